#pragma once
// The result record of one crate under one tool, stored last at
// T/results/NAME/VERSION.json: its presence means the crate is complete
// (raw log and page are stored before it). Beside it, where each object of
// a crate lives in the store.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/job.h"
#include "diagnosis/diagnosis.h"

namespace queue {

/// What happened to a crate, before any reading of its log (the diagnosis
/// refines "failed" into build/test failures and undefined behaviour).
enum class Outcome {
  kPassed,       // every command exited 0
  kFailed,       // a command exited non-zero or was killed by a signal
  kTimedOut,     // the wall or no-output timeout
  kOutOfMemory,  // the kernel's OOM killer, inside the memory limit
  kError,        // ours, not the crate's: no source, a worker that died twice
};

std::string_view outcome_name(Outcome outcome);  // "passed", "timed-out", ...
std::optional<Outcome> outcome_from_name(std::string_view name);

struct ResultRecord {
  std::string tool;
  std::string toolchain;
  std::string crate;
  std::string version;
  Outcome outcome = Outcome::kError;
  /// Why, for kError ("worker died twice: ..."); empty otherwise.
  std::string error;
  std::chrono::system_clock::time_point started;
  double wall_seconds = 0;
  uint64_t peak_memory_bytes = 0;
  /// Present when the agent answered; absent for errors before or around it.
  std::optional<agent::JobResult> job;
  /// How many workers took the crate (2 after a worker died under it).
  unsigned attempts = 1;
  uint64_t log_bytes = 0;
  /// render::kRendererVersion of the stored page.
  int renderer_version = 0;
  /// What diagnosis::Diagnoser made of the log (JSON), and its rules'
  /// version; null and 0 until a diagnosis is made.
  std::string diagnosis_json;
  int diagnosis_version = 0;
};

Outcome classify(const agent::JobResult& result);

std::string to_json(const ResultRecord& record);
/// Throws std::runtime_error for a record that does not parse.
ResultRecord parse_result_record(std::string_view text);

/// What the diagnosis needs to know beside the log.
diagnosis::Facts diagnosis_facts(const ResultRecord& record);

/// The title of a crate's log page.
std::string log_title(std::string_view tool, std::string_view crate, std::string_view version);

/// Store keys of a crate's objects under tool `tool`.
std::string raw_key(std::string_view tool, std::string_view crate, std::string_view version);
std::string log_key(std::string_view tool, std::string_view crate, std::string_view version);
std::string result_key(std::string_view tool, std::string_view crate, std::string_view version);
/// "T/results/", the prefix to list every record of a tool.
std::string results_prefix(std::string_view tool);

}  // namespace queue
