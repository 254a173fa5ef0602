#include "agent/job.h"

#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "agent/protocol.h"

namespace agent {
namespace {

using nlohmann::json;

// Reading a message keeps the path of the value being read, so an error can
// say which field is wrong.
[[noreturn]] void fail(const std::string& path, std::string_view what) {
  throw ProtocolError(path + ": " + std::string(what));
}

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  out.append(text).push_back('"');
  return out;
}

std::string field(const std::string& path, std::string_view key) {
  std::string out = path;
  out.append(".").append(key);
  return out;
}

/// `optional` keys may be missing: fields added after records were stored.
const json& object(const json& value, const std::string& path,
                   std::initializer_list<std::string_view> keys,
                   std::initializer_list<std::string_view> optional = {}) {
  if (!value.is_object()) fail(path, "expected an object");
  for (const auto& [key, _] : value.items()) {
    bool known = false;
    for (const std::string_view k : keys) known = known || k == key;
    for (const std::string_view k : optional) known = known || k == key;
    if (!known) fail(field(path, key), "unknown field");
  }
  for (const std::string_view k : keys) {
    if (!value.contains(k)) fail(path + "." + std::string(k), "missing");
  }
  return value;
}

// execve takes C strings: a NUL would silently cut an argument short.
bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

std::string string_at(const json& value, const std::string& path, bool allow_empty = false) {
  if (!value.is_string()) fail(path, "expected a string");
  auto text = value.get<std::string>();
  if (!allow_empty && text.empty()) fail(path, "must not be empty");
  if (has_nul(text)) fail(path, "contains a NUL byte");
  return text;
}

bool bool_at(const json& value, const std::string& path) {
  if (!value.is_boolean()) fail(path, "expected true or false");
  return value.get<bool>();
}

uint64_t unsigned_at(const json& value, const std::string& path, uint64_t min, uint64_t max) {
  if (!value.is_number_integer() || (!value.is_number_unsigned() && value.get<int64_t>() < 0)) {
    fail(path, "expected a non-negative integer");
  }
  const auto number = value.get<uint64_t>();
  if (number < min || number > max) {
    fail(path, "must be from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return number;
}

double seconds_at(const json& value, const std::string& path) {
  if (!value.is_number()) fail(path, "expected a number of seconds");
  const auto seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0) fail(path, "must be a non-negative number");
  return seconds;
}

std::optional<int> optional_int_at(const json& value, const std::string& path, int min, int max) {
  if (value.is_null()) return std::nullopt;
  return static_cast<int>(unsigned_at(value, path, min, max));
}

CommandSpec read_command(const json& value, const std::string& path) {
  object(value, path,
         {"argv", "show_output", "timeout_seconds", "when_available", "unless_available"});
  const json& argv = value["argv"];
  if (!argv.is_array() || argv.empty()) fail(path + ".argv", "expected a non-empty array");
  CommandSpec command;
  for (size_t i = 0; i < argv.size(); ++i) {
    // Only the program name must be non-empty: "" is a fine argument.
    command.argv.push_back(
        string_at(argv[i], path + ".argv[" + std::to_string(i) + "]", /*allow_empty=*/i > 0));
  }
  command.show_output = bool_at(value["show_output"], path + ".show_output");
  command.timeout_seconds =
      static_cast<uint32_t>(unsigned_at(value["timeout_seconds"], path + ".timeout_seconds", 0,
                                        std::numeric_limits<uint32_t>::max()));
  for (auto [key, field] : {std::pair{"when_available", &command.when_available},
                            std::pair{"unless_available", &command.unless_available}}) {
    *field = string_at(value[key], path + "." + key, /*allow_empty=*/true);
    if (field->find('/') != std::string::npos) fail(path + "." + key, "must be a program's name");
  }
  return command;
}

Source read_source(const json& value, const std::string& path) {
  object(value, path, {"kind", "path"});
  Source source;
  const std::string kind = string_at(value["kind"], path + ".kind");
  if (kind == "directory") {
    source.kind = Source::Kind::kDirectory;
  } else if (kind == "archive") {
    source.kind = Source::Kind::kArchive;
  } else if (kind == "none") {
    source.kind = Source::Kind::kNone;
  } else if (kind == "inline") {
    source.kind = Source::Kind::kInline;
  } else {
    fail(path + ".kind",
         R"(expected "directory", "archive", "none" or "inline", not )" + in_quotes(kind));
  }
  const bool pathless = source.kind == Source::Kind::kNone || source.kind == Source::Kind::kInline;
  source.path = string_at(value["path"], path + ".path", /*allow_empty=*/pathless);
  if (pathless && !source.path.empty()) {
    fail(path + ".path", "must be empty for " + in_quotes(kind));
  }
  if (!pathless && source.path.front() != '/') fail(path + ".path", "must be an absolute path");
  return source;
}

std::map<std::string, std::string> read_env(const json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "expected an object of strings");
  std::map<std::string, std::string> env;
  for (const auto& [name, text] : value.items()) {
    if (name.empty() || name.find('=') != std::string::npos || has_nul(name)) {
      fail(path, in_quotes(name) + " cannot be an environment variable's name");
    }
    env[name] = string_at(text, field(path, name), /*allow_empty=*/true);
  }
  return env;
}

Timeouts read_timeouts(const json& value, const std::string& path) {
  object(value, path, {"wall_seconds", "no_output_seconds"});
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  return Timeouts{
      .wall_seconds = static_cast<uint32_t>(
          unsigned_at(value["wall_seconds"], path + ".wall_seconds", 1, kMax)),
      .no_output_seconds = static_cast<uint32_t>(
          unsigned_at(value["no_output_seconds"], path + ".no_output_seconds", 1, kMax)),
  };
}

Job read_job(const json& value, const std::string& path) {
  object(
      value, path,
      {"crate", "version", "source", "toolchain", "commands", "env", "timeouts", "cargo_config"});
  Job job;
  job.crate = string_at(value["crate"], path + ".crate");
  job.version = string_at(value["version"], path + ".version");
  job.source = read_source(value["source"], path + ".source");
  job.toolchain = string_at(value["toolchain"], path + ".toolchain");
  const json& commands = value["commands"];
  if (!commands.is_array() || commands.empty()) {
    fail(path + ".commands", "expected a non-empty array");
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    job.commands.push_back(
        read_command(commands[i], path + ".commands[" + std::to_string(i) + "]"));
  }
  job.env = read_env(value["env"], path + ".env");
  job.timeouts = read_timeouts(value["timeouts"], path + ".timeouts");
  job.cargo_config = string_at(value["cargo_config"], path + ".cargo_config", /*allow_empty=*/true);
  return job;
}

CommandResult read_command_result(const json& value, const std::string& path) {
  object(value, path, {"exit_code", "signal", "wall_seconds"});
  CommandResult result;
  result.exit_code = optional_int_at(value["exit_code"], path + ".exit_code", 0, 255);
  result.signal = optional_int_at(value["signal"], path + ".signal", 1, 64);
  if (result.exit_code.has_value() == result.signal.has_value()) {
    fail(path, "needs exactly one of exit_code and signal");
  }
  result.wall_seconds = seconds_at(value["wall_seconds"], path + ".wall_seconds");
  return result;
}

Timeout read_timeout(const json& value, const std::string& path) {
  if (value.is_null()) return Timeout::kNone;
  const std::string text = string_at(value, path);
  if (text == "wall") return Timeout::kWall;
  if (text == "no-output") return Timeout::kNoOutput;
  fail(path, R"(expected null, "wall" or "no-output", not )" + in_quotes(text));
}

constexpr std::array<std::pair<PeakMemorySource, std::string_view>, 5> kPeakMemorySources = {{
    {PeakMemorySource::kCgroupPeak, "cgroup-peak"},
    {PeakMemorySource::kCgroupMaxUsage, "cgroup-max-usage"},
    {PeakMemorySource::kCgroupLifetimePeak, "cgroup-lifetime-peak"},
    {PeakMemorySource::kSampled, "sampled"},
    {PeakMemorySource::kRusage, "rusage"},
}};

PeakMemorySource read_peak_memory_source(const json& value, const std::string& path) {
  if (value.is_null()) return PeakMemorySource::kUnknown;
  const std::string text = string_at(value, path);
  for (const auto& [source, name] : kPeakMemorySources) {
    if (name == text) return source;
  }
  fail(path, "unknown source " + in_quotes(text));
}

JobResult read_job_result(const json& value, const std::string& path) {
  object(value, path, {"commands", "timed_out", "oom_killed", "wall_seconds", "peak_memory_bytes"},
         {"peak_memory_source", "peak_memory_sample_ms"});
  JobResult result;
  const json& commands = value["commands"];
  if (!commands.is_array()) fail(path + ".commands", "expected an array");
  for (size_t i = 0; i < commands.size(); ++i) {
    result.commands.push_back(
        read_command_result(commands[i], path + ".commands[" + std::to_string(i) + "]"));
  }
  result.timed_out = read_timeout(value["timed_out"], path + ".timed_out");
  result.oom_killed = bool_at(value["oom_killed"], path + ".oom_killed");
  result.wall_seconds = seconds_at(value["wall_seconds"], path + ".wall_seconds");
  result.peak_memory_bytes = unsigned_at(value["peak_memory_bytes"], path + ".peak_memory_bytes", 0,
                                         std::numeric_limits<uint64_t>::max());
  if (value.contains("peak_memory_source")) {
    result.peak_memory_source =
        read_peak_memory_source(value["peak_memory_source"], path + ".peak_memory_source");
  }
  if (value.contains("peak_memory_sample_ms")) {
    result.peak_memory_sample_ms = static_cast<uint32_t>(
        unsigned_at(value["peak_memory_sample_ms"], path + ".peak_memory_sample_ms", 0,
                    std::numeric_limits<uint32_t>::max()));
  }
  return result;
}

json parse(std::string_view payload, const std::string& what) {
  json value = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) fail(what, "payload is not JSON");
  return value;
}

std::string dump(const json& value, const std::string& what) {
  try {
    return value.dump();
  } catch (const json::type_error& e) {
    fail(what, std::string("cannot be sent as JSON: ") + e.what());
  }
}

const char* kind_name(Source::Kind kind) {
  switch (kind) {
    case Source::Kind::kArchive:
      return "archive";
    case Source::Kind::kNone:
      return "none";
    case Source::Kind::kInline:
      return "inline";
    case Source::Kind::kDirectory:
      break;
  }
  return "directory";
}

json optional_int(const std::optional<int>& value) {
  return value.has_value() ? json(*value) : json(nullptr);
}

}  // namespace

std::string_view peak_memory_source_name(PeakMemorySource source) {
  for (const auto& [value, name] : kPeakMemorySources) {
    if (value == source) return name;
  }
  return "";
}

void to_json(json& out, const CommandSpec& command) {
  out = {{"argv", command.argv},
         {"show_output", command.show_output},
         {"timeout_seconds", command.timeout_seconds},
         {"when_available", command.when_available},
         {"unless_available", command.unless_available}};
}

void from_json(const json& in, CommandSpec& command) { command = read_command(in, "command"); }

void to_json(json& out, const Job& job) {
  out = {
      {"crate", job.crate},
      {"version", job.version},
      {"source", {{"kind", kind_name(job.source.kind)}, {"path", job.source.path}}},
      {"toolchain", job.toolchain},
      {"commands", job.commands},
      {"env", job.env},
      {"timeouts",
       {{"wall_seconds", job.timeouts.wall_seconds},
        {"no_output_seconds", job.timeouts.no_output_seconds}}},
      {"cargo_config", job.cargo_config},
  };
}

void from_json(const json& in, Job& job) { job = read_job(in, "job"); }

void to_json(json& out, const CommandResult& result) {
  out = {{"exit_code", optional_int(result.exit_code)},
         {"signal", optional_int(result.signal)},
         {"wall_seconds", result.wall_seconds}};
}

void from_json(const json& in, CommandResult& result) {
  result = read_command_result(in, "command result");
}

void to_json(json& out, const JobResult& result) {
  nlohmann::json timed_out = nullptr;
  if (result.timed_out == Timeout::kWall) timed_out = "wall";
  if (result.timed_out == Timeout::kNoOutput) timed_out = "no-output";
  out = {{"commands", result.commands},
         {"timed_out", timed_out},
         {"oom_killed", result.oom_killed},
         {"wall_seconds", result.wall_seconds},
         {"peak_memory_bytes", result.peak_memory_bytes}};
  const std::string_view source = peak_memory_source_name(result.peak_memory_source);
  out["peak_memory_source"] = source.empty() ? json(nullptr) : json(source);
  out["peak_memory_sample_ms"] = result.peak_memory_sample_ms;
}

void from_json(const json& in, JobResult& result) { result = read_job_result(in, "result"); }

std::string to_payload(const Job& job) { return dump(json(job), "job"); }
std::string to_payload(const JobResult& result) { return dump(json(result), "result"); }

Job parse_job(std::string_view payload) { return read_job(parse(payload, "job"), "job"); }

JobResult parse_job_result(std::string_view payload) {
  return read_job_result(parse(payload, "result"), "result");
}

}  // namespace agent
