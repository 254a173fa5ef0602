#include "result/record.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace result {
namespace {

using nlohmann::json;

std::string iso8601(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

std::chrono::system_clock::time_point from_iso8601(const std::string& text) {
  std::tm utc{};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc) == nullptr) {
    throw std::runtime_error("bad time '" + text + "'");
  }
  return std::chrono::system_clock::from_time_t(timegm(&utc));
}

/// The outcome the facts alone give, before the log is read: what a record
/// of the first shape said when it had no diagnosis.
Outcome outcome_of_facts(const diagnosis::Facts& facts) {
  if (facts.oom_killed) return Outcome::kOutOfMemory;
  if (facts.timed_out) return Outcome::kTimedOut;
  if (facts.infrastructure_error) return Outcome::kError;
  if (facts.broken) return Outcome::kBroken;
  if (facts.passed) return Outcome::kPassed;
  return Outcome::kBuildFailed;
}

/// The first shape: "outcome" was what the agent's exit statuses said
/// ("failed", "out-of-memory", ...), and the diagnosis carried its own.
void read_first_shape(const json& in, Record& record) {
  const json& diagnosis = in.contains("diagnosis") ? in.at("diagnosis") : json();
  if (diagnosis.is_object() && diagnosis.contains("outcome")) {
    const std::string name = diagnosis.at("outcome").get<std::string>();
    // "skipped" was never written by a run; read it as ours.
    record.outcome = outcome_from_name(name).value_or(Outcome::kError);
  } else {
    const std::string name = in.at("outcome").get<std::string>();
    if (name != "passed" && name != "failed" && name != "timed-out" && name != "out-of-memory" &&
        name != "error") {
      throw std::runtime_error("unknown outcome '" + name + "'");
    }
    record.outcome = outcome_of_facts(record.facts());
    record.diagnosis_version = 0;  // sync reads the log again
  }
  record.upgraded = true;
}

json broken_json(const std::optional<Broken>& broken) {
  if (!broken) return nullptr;
  return {{"kind", broken->kind}, {"detail", broken->detail}};
}

}  // namespace

diagnosis::Facts Record::facts() const {
  diagnosis::Facts facts{
      .crate = crate,
      .version = version,
      .infrastructure_error = !error.empty(),
      .broken = broken.has_value(),
  };
  if (job) {
    facts.timed_out = job->timed_out != agent::Timeout::kNone;
    facts.oom_killed = job->oom_killed;
    facts.passed = std::all_of(job->commands.begin(), job->commands.end(),
                               [](const agent::CommandResult& c) { return c.exit_code == 0; });
  }
  return facts;
}

void Record::apply(const diagnosis::Diagnosis& diagnosis) {
  outcome = diagnosis.outcome;
  causes = diagnosis.causes;
  spurious = diagnosis.spurious;
  diagnosis_version = diagnosis::kDiagnosisVersion;
}

std::string Record::reason() const {
  if (broken) return broken->detail;
  return error;
}

std::string to_json(const Record& record) {
  const json diagnosis = diagnosis::to_json(diagnosis::Diagnosis{
      .outcome = record.outcome, .causes = record.causes, .spurious = record.spurious});
  json out = {
      {"schema", kRecordSchema},
      {"tool", record.tool},
      {"toolchain", record.toolchain},
      {"crate", record.crate},
      {"version", record.version},
      {"outcome", outcome_name(record.outcome)},
      {"causes", diagnosis.at("causes")},
      {"spurious", diagnosis.at("spurious")},
      {"diagnosis_version", record.diagnosis_version},
      {"error", record.error.empty() ? json(nullptr) : json(record.error)},
      {"broken", broken_json(record.broken)},
      {"started", iso8601(record.started)},
      {"wall_seconds", record.wall_seconds},
      {"peak_memory_bytes", record.peak_memory_bytes},
      {"attempts", record.attempts},
      {"log_bytes", record.log_bytes},
      {"renderer_version", record.renderer_version},
  };
  const RunIdentity& identity = record.identity;
  if (!identity.tool.empty()) out["tool_name"] = identity.tool;
  if (!identity.toolchain_version.empty()) out["toolchain_version"] = identity.toolchain_version;
  if (!identity.toolchain_commit.empty()) out["toolchain_commit"] = identity.toolchain_commit;
  if (!identity.flags.empty()) out["flags"] = identity.flags;
  if (!identity.registry.empty()) out["registry"] = identity.registry;
  if (!record.engine.empty()) out["engine"] = record.engine;
  if (record.job) {
    json job;
    agent::to_json(job, *record.job);
    out["job"] = job;
  } else {
    out["job"] = nullptr;
  }
  return out.dump(2) + "\n";
}

Record parse_record(std::string_view text) {
  try {
    const json in = json::parse(text);
    Record record;
    record.tool = in.at("tool").get<std::string>();
    record.toolchain = in.at("toolchain").get<std::string>();
    record.crate = in.at("crate").get<std::string>();
    record.version = in.at("version").get<std::string>();
    if (!in.at("error").is_null()) record.error = in.at("error").get<std::string>();
    if (in.contains("broken") && !in.at("broken").is_null()) {
      const json& broken = in.at("broken");
      record.broken =
          Broken{broken.at("kind").get<std::string>(), broken.at("detail").get<std::string>()};
    }
    record.started = from_iso8601(in.at("started").get<std::string>());
    record.wall_seconds = in.at("wall_seconds").get<double>();
    record.peak_memory_bytes = in.at("peak_memory_bytes").get<uint64_t>();
    record.attempts = in.at("attempts").get<unsigned>();
    record.log_bytes = in.at("log_bytes").get<uint64_t>();
    record.renderer_version = in.value("renderer_version", 0);
    record.identity.tool = in.value("tool_name", "");
    record.identity.toolchain_version = in.value("toolchain_version", "");
    record.identity.toolchain_commit = in.value("toolchain_commit", "");
    record.identity.registry = in.value("registry", "");
    record.engine = in.value("engine", "");
    if (in.contains("flags") && in.at("flags").is_object()) {
      record.identity.flags = in.at("flags").get<std::map<std::string, std::string>>();
    }
    if (!in.at("job").is_null()) {
      agent::JobResult job;
      agent::from_json(in.at("job"), job);
      record.job = job;
    }
    record.diagnosis_version = in.value("diagnosis_version", 0);

    if (in.value("schema", 1) < 2) {
      const json& diagnosis = in.contains("diagnosis") ? in.at("diagnosis") : json();
      if (diagnosis.is_object()) {
        json causes_only = diagnosis;
        causes_only["outcome"] = "error";  // read below; "skipped" is no longer a name
        const diagnosis::Diagnosis read = diagnosis::diagnosis_from_json(causes_only);
        record.causes = read.causes;
        record.spurious = read.spurious;
      }
      read_first_shape(in, record);
      return record;
    }
    const std::string name = in.at("outcome").get<std::string>();
    const std::optional<Outcome> outcome = outcome_from_name(name);
    if (!outcome) throw std::runtime_error("unknown outcome '" + name + "'");
    record.outcome = *outcome;
    const diagnosis::Diagnosis read = diagnosis::diagnosis_from_json(
        {{"outcome", name}, {"causes", in.at("causes")}, {"spurious", in.at("spurious")}});
    record.causes = read.causes;
    record.spurious = read.spurious;
    return record;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("bad result record: ") + e.what());
  }
}

std::string log_title(std::string_view tool, std::string_view crate, std::string_view version) {
  return std::string(crate) + " " + std::string(version) + ": " + std::string(tool);
}

std::string raw_key(std::string_view tool, std::string_view crate, std::string_view version) {
  return std::string(tool) + "/raw/" + std::string(crate) + "/" + std::string(version);
}

std::string log_key(std::string_view tool, std::string_view crate, std::string_view version) {
  return std::string(tool) + "/logs/" + std::string(crate) + "/" + std::string(version);
}

std::string result_key(std::string_view tool, std::string_view crate, std::string_view version) {
  return results_prefix(tool) + std::string(crate) + "/" + std::string(version) + ".json";
}

std::string results_prefix(std::string_view tool) { return std::string(tool) + "/results/"; }

bool has_results(store::Store& store, std::string_view tool) {
  for (const store::ObjectInfo& object : store.list(results_prefix(tool))) {
    if (object.key.ends_with(".json")) return true;
  }
  return false;
}

std::vector<std::string> stored_runs(store::Store& store) {
  std::set<std::string> names;
  for (const store::ObjectInfo& object : store.list("")) {
    const size_t slash = object.key.find('/');
    if (slash == std::string::npos || !object.key.ends_with(".json")) continue;
    if (std::string_view(object.key).substr(slash).starts_with("/results/")) {
      names.insert(object.key.substr(0, slash));
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace result
