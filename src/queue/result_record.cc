#include "queue/result_record.h"

#include <array>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace queue {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Outcome, std::string_view>, 5> kNames = {{
    {Outcome::kPassed, "passed"},
    {Outcome::kFailed, "failed"},
    {Outcome::kTimedOut, "timed-out"},
    {Outcome::kOutOfMemory, "out-of-memory"},
    {Outcome::kError, "error"},
}};

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

}  // namespace

std::string_view outcome_name(Outcome outcome) {
  for (const auto& [value, name] : kNames) {
    if (value == outcome) return name;
  }
  return "error";
}

std::optional<Outcome> outcome_from_name(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

Outcome classify(const agent::JobResult& result) {
  if (result.oom_killed) return Outcome::kOutOfMemory;
  if (result.timed_out != agent::Timeout::kNone) return Outcome::kTimedOut;
  for (const auto& command : result.commands) {
    if (command.exit_code != 0) return Outcome::kFailed;
  }
  return Outcome::kPassed;
}

std::string to_json(const ResultRecord& record) {
  json out = {
      {"tool", record.tool},
      {"toolchain", record.toolchain},
      {"crate", record.crate},
      {"version", record.version},
      {"outcome", outcome_name(record.outcome)},
      {"error", record.error.empty() ? json(nullptr) : json(record.error)},
      {"started", iso8601(record.started)},
      {"wall_seconds", record.wall_seconds},
      {"peak_memory_bytes", record.peak_memory_bytes},
      {"attempts", record.attempts},
      {"log_bytes", record.log_bytes},
      {"renderer_version", record.renderer_version},
      {"diagnosis",
       record.diagnosis_json.empty() ? json(nullptr) : json::parse(record.diagnosis_json)},
      {"diagnosis_version", record.diagnosis_version},
  };
  if (record.job) {
    json job;
    agent::to_json(job, *record.job);
    out["job"] = job;
  } else {
    out["job"] = nullptr;
  }
  return out.dump(2) + "\n";
}

ResultRecord parse_result_record(std::string_view text) {
  try {
    const json in = json::parse(text);
    ResultRecord record;
    record.tool = in.at("tool").get<std::string>();
    record.toolchain = in.at("toolchain").get<std::string>();
    record.crate = in.at("crate").get<std::string>();
    record.version = in.at("version").get<std::string>();
    const std::string outcome = in.at("outcome").get<std::string>();
    const std::optional<Outcome> parsed = outcome_from_name(outcome);
    if (!parsed) throw std::runtime_error("unknown outcome '" + outcome + "'");
    record.outcome = *parsed;
    if (!in.at("error").is_null()) record.error = in.at("error").get<std::string>();
    record.started = from_iso8601(in.at("started").get<std::string>());
    record.wall_seconds = in.at("wall_seconds").get<double>();
    record.peak_memory_bytes = in.at("peak_memory_bytes").get<uint64_t>();
    record.attempts = in.at("attempts").get<unsigned>();
    record.log_bytes = in.at("log_bytes").get<uint64_t>();
    record.renderer_version = in.value("renderer_version", 0);
    if (in.contains("diagnosis") && !in.at("diagnosis").is_null()) {
      record.diagnosis_json = in.at("diagnosis").dump();
    }
    record.diagnosis_version = in.value("diagnosis_version", 0);
    if (!in.at("job").is_null()) {
      agent::JobResult job;
      agent::from_json(in.at("job"), job);
      record.job = job;
    }
    return record;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("bad result record: ") + e.what());
  }
}

diagnosis::Facts diagnosis_facts(const ResultRecord& record) {
  return diagnosis::Facts{
      .crate = record.crate,
      .version = record.version,
      .timed_out = record.outcome == Outcome::kTimedOut,
      .oom_killed = record.outcome == Outcome::kOutOfMemory,
      .infrastructure_error = record.outcome == Outcome::kError,
      .passed = record.outcome == Outcome::kPassed,
  };
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

}  // namespace queue
