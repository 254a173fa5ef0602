#pragma once
// The result record of one crate under one run, stored last at
// T/results/NAME/VERSION.json: its presence means the crate is complete
// (the raw log and its page are stored before it). One schema read by the
// queue, sync, the site and comparisons; beside it, where each object of a
// crate lives in the store and the title of its page.
//
// The record keeps the facts (what the agent answered, our own error, why
// preparation found the crate broken) and the one outcome the diagnosis
// made of them and of the log. Records of the older shape (an "outcome"
// of "failed"/"out-of-memory" beside a diagnosis with its own outcome) are
// still read; `upgraded` tells sync to store them again in this shape.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/job.h"
#include "diagnosis/diagnosis.h"
#include "result/outcome.h"
#include "store/store.h"

namespace result {

/// Bumped when the stored shape changes.
inline constexpr int kRecordSchema = 2;

/// Why a crate could not be tried (Outcome::kBroken).
struct Broken {
  /// "missing-dependency", "missing-version", "yanked", "dependency-conflict",
  /// "manifest", "rust-version".
  std::string kind;
  /// For people, naming the package and the requirement: "no version of
  /// `criterion` matches `^0.5` (dev-dependency of foo 1.0.0)".
  std::string detail;

  friend bool operator==(const Broken&, const Broken&) = default;
};

/// What a run ran with, stamped on each of its records so that a comparison
/// can say what differed. Empty in records stored before runs said.
struct RunIdentity {
  /// The tool's name in tools.toml (the run's name may differ: `run --name`).
  std::string tool;
  /// `rustc +TOOLCHAIN -vV` on the host: "1.95.0-nightly", its commit hash.
  std::string toolchain_version;
  std::string toolchain_commit;
  /// The tool's environment (RUSTFLAGS, MIRIFLAGS, ...).
  std::map<std::string, std::string> flags;
  /// Where crates came from: `--registry` ("crates-io", "sparse+URL", a
  /// folder).
  std::string registry;

  friend bool operator==(const RunIdentity&, const RunIdentity&) = default;
};

struct Record {
  /// The run's name (the tool's unless `run --name`): where it is stored.
  std::string tool;
  std::string toolchain;
  RunIdentity identity;
  std::string crate;
  std::string version;

  // Facts.
  /// Present when the agent answered; absent for errors before or around it
  /// and for broken crates, which never reach a worker.
  std::optional<agent::JobResult> job;
  /// Ours, not the crate's ("worker died 2 times: ..."); empty otherwise.
  std::string error;
  std::optional<Broken> broken;
  std::chrono::system_clock::time_point started;
  double wall_seconds = 0;
  uint64_t peak_memory_bytes = 0;
  /// How many workers took the crate (2 after a worker died under it; a
  /// lost engine's attempt is not counted).
  unsigned attempts = 1;
  /// The Docker engine the crate ran on ("local", "ssh://host", a context's
  /// name); empty for crates that never reached a worker.
  std::string engine;
  uint64_t log_bytes = 0;
  /// render::kRendererVersion of the stored page.
  int renderer_version = 0;

  // What the diagnosis made of the facts and the log.
  Outcome outcome = Outcome::kError;
  std::vector<diagnosis::Cause> causes;
  std::vector<std::string> spurious;
  /// diagnosis::kDiagnosisVersion of the rules that made the outcome; 0:
  /// not diagnosed yet (the outcome is only what the facts say).
  int diagnosis_version = 0;

  /// Read from an older shape: store it again.
  bool upgraded = false;

  /// What the diagnosis needs to know beside the log.
  diagnosis::Facts facts() const;
  /// Takes the diagnosis's outcome, causes and spurious causes.
  void apply(const diagnosis::Diagnosis& diagnosis);
  /// The broken reason or our error, for lists and summaries; "" otherwise.
  std::string reason() const;
};

std::string to_json(const Record& record);
/// Reads this shape and the older ones. Throws std::runtime_error naming
/// what is wrong for a record that does not parse.
Record parse_record(std::string_view text);

/// The title of a crate's log page: "NAME VERSION: TOOL".
std::string log_title(std::string_view tool, std::string_view crate, std::string_view version);

/// Store keys of a crate's objects under run `tool`.
std::string raw_key(std::string_view tool, std::string_view crate, std::string_view version);
std::string log_key(std::string_view tool, std::string_view crate, std::string_view version);
std::string result_key(std::string_view tool, std::string_view crate, std::string_view version);
/// "T/results/", the prefix to list every record of a run.
std::string results_prefix(std::string_view tool);

/// Whether the store holds a record of run `tool`.
bool has_results(store::Store& store, std::string_view tool);
/// The names of every run with records in the store, sorted. Lists the
/// whole store: for messages, not for every start.
std::vector<std::string> stored_runs(store::Store& store);

}  // namespace result
