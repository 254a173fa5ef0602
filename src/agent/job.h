#pragma once
// The messages inside frames: the Job the server sends (kJob) and the
// JobResult the agent answers with (kResult), as JSON. Reading checks every
// field and rejects unknown ones, naming the field ("job.commands[1].argv"),
// since server and agent are built from the same tree and any mismatch is
// a bug to see at once.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agent {

/// Where the crate's source is inside the container.
struct Source {
  /// kNone: no crate at all (a tool's setup); the build folder stays empty.
  /// kInline: the crate and its dependencies follow the job frame as an
  /// uncompressed tar in kFiles frames (protocol.h), for a worker that sees
  /// no folder of ours: source/... is the crate (the build folder's
  /// contents), deps/NAME-VERSION/... a cargo directory source, which the
  /// agent puts at $CARGO_HOME/crater-at-home-deps (kInlineDepsFolder).
  enum class Kind : uint8_t { kDirectory, kArchive, kNone, kInline };
  Kind kind = Kind::kDirectory;
  /// An unpacked crate, or a .crate file (a gzipped tar) for the agent to
  /// unpack; empty for kNone and kInline.
  std::string path;

  friend bool operator==(const Source&, const Source&) = default;
};

/// Where an inline job's deps/ go, below the agent's cargo home: emptied
/// before and after every job like the rest of it, and outside the crate's
/// folder, so the crate cannot bring its own. An inline job's cargo_config
/// names the folder as seen in the sandbox (/cargo/crater-at-home-deps).
inline constexpr const char* kInlineDepsFolder = "crater-at-home-deps";
/// The top folders of an inline job's tar.
inline constexpr const char* kInlineSourceTop = "source";
inline constexpr const char* kInlineDepsTop = "deps";

struct CommandSpec {
  /// Run directly, not through a shell; argv[0] is looked up in PATH.
  std::vector<std::string> argv;
  /// Whether the command's pty output is sent as kOutput frames; setup steps
  /// (fetching, building the tool) are usually run quietly.
  bool show_output = true;
  /// Wall clock for this command alone (the tool's per-command timeout);
  /// 0: only the job's bounds apply.
  uint32_t timeout_seconds = 0;
  /// If not empty: run only if this program is (when_available) or is not
  /// (unless_available) found in the command's PATH; a command skipped so
  /// has no CommandResult.
  std::string when_available;
  std::string unless_available;

  friend bool operator==(const CommandSpec&, const CommandSpec&) = default;
};

struct Timeouts {
  /// For the whole job, on top of each command's own timeout; 0: none.
  uint32_t wall_seconds = 0;
  /// For a command that prints nothing, e.g. a test stuck waiting.
  uint32_t no_output_seconds = 0;

  friend bool operator==(const Timeouts&, const Timeouts&) = default;
};

struct Job {
  std::string crate;
  std::string version;
  Source source;
  std::string toolchain;
  /// Run in order in the crate's source directory.
  std::vector<CommandSpec> commands;
  /// Added to the agent's own environment for every command.
  std::map<std::string, std::string> env;
  Timeouts timeouts;
  /// TOML, written to $CARGO_HOME/config.toml before the commands run, e.g.
  /// to replace crates.io with a local directory source. Empty: no file.
  std::string cargo_config;

  friend bool operator==(const Job&, const Job&) = default;
};

struct CommandResult {
  /// Exactly one of the two: how the command ended.
  std::optional<int> exit_code;  // 0..255
  std::optional<int> signal;     // 1..64
  double wall_seconds = 0;

  friend bool operator==(const CommandResult&, const CommandResult&) = default;
};

enum class Timeout : uint8_t { kNone, kWall, kNoOutput };

/// How a job's peak memory was measured (MemoryMeter, docs/sandbox.md).
/// JSON: the name in quotes, or null for kUnknown.
enum class PeakMemorySource : uint8_t {
  kUnknown,             // a result from before the source was reported
  kCgroupPeak,          // "cgroup-peak": v2 memory.peak, reset for the job: exact
  kCgroupMaxUsage,      // "cgroup-max-usage": v1 max_usage_in_bytes, reset: exact
  kCgroupLifetimePeak,  // "cgroup-lifetime-peak": the worker's peak, risen in the job: exact
  kSampled,             // "sampled": usage read every peak_memory_sample_ms: a lower bound
  kRusage,              // "rusage": no cgroup; the largest RSS the agent's children ever had
};

std::string_view peak_memory_source_name(PeakMemorySource source);  // "" for kUnknown

struct JobResult {
  /// The commands that ran, in order: fewer than the job's if one was cut
  /// short by a timeout or the OOM killer, or skipped for a program that
  /// was (or was not) available.
  std::vector<CommandResult> commands;
  Timeout timed_out = Timeout::kNone;  // JSON: null, "wall", "no-output"
  bool oom_killed = false;
  double wall_seconds = 0;
  uint64_t peak_memory_bytes = 0;
  /// Optional in JSON, for results stored before they were reported.
  PeakMemorySource peak_memory_source = PeakMemorySource::kUnknown;
  uint32_t peak_memory_sample_ms = 0;  // kSampled's interval; else 0

  friend bool operator==(const JobResult&, const JobResult&) = default;
};

// nlohmann::json conversions. from_json throws ProtocolError (protocol.h)
// naming the first bad field.
void to_json(nlohmann::json& out, const CommandSpec& command);
void from_json(const nlohmann::json& in, CommandSpec& command);
void to_json(nlohmann::json& out, const Job& job);
void from_json(const nlohmann::json& in, Job& job);
void to_json(nlohmann::json& out, const CommandResult& result);
void from_json(const nlohmann::json& in, CommandResult& result);
void to_json(nlohmann::json& out, const JobResult& result);
void from_json(const nlohmann::json& in, JobResult& result);

/// Frame payloads. to_payload throws ProtocolError for a string that is not
/// UTF-8 (JSON cannot carry it); the parsers reject text that is not JSON.
std::string to_payload(const Job& job);
std::string to_payload(const JobResult& result);
Job parse_job(std::string_view payload);
JobResult parse_job_result(std::string_view payload);

}  // namespace agent
