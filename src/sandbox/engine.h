#pragma once
// Docker engines a run uses: the local one (DOCKER_HOST or the current
// docker context, as the user's own `docker` sees it), and others reached
// the way Docker users reach them: `unix://`, `tcp://` (with TLS from
// DOCKER_CERT_PATH / DOCKER_TLS_VERIFY), `ssh://user@host`, or the name of
// a docker context. See docs/fleet.md.
//
// The local engine may bind-mount the server's folders into workers; every
// other engine is *remote*: its jobs are self-sufficient (the image and a
// runtime volume delivered by digest, each crate's source and dependencies
// sent through the protocol), so nothing of the server's file system is
// needed there.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sandbox {

/// A malformed engine given on the command line or in the options file.
class EngineSpecError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// One engine, as configured: `--engine URL[=JOBS]`, or a [[run.engine]]
/// table with `host`, `jobs` and `memory-limit-gb`.
struct EngineSpec {
  /// "local" (the default engine), a URL (unix://, tcp://, ssh://) or a
  /// docker context's name.
  std::string host = "local";
  /// Workers on it; none: its CPU count from `docker info`.
  std::optional<size_t> jobs;
  /// Memory per worker on it; none: the run's --memory-limit-gb.
  std::optional<double> memory_limit_gb;

  /// Whether this is the local engine, whose workers may bind-mount the
  /// server's folders.
  bool local() const { return host == "local"; }
  /// Whether `host` names a docker context rather than a URL.
  bool context() const;
  /// A short name for records, logs and the status line: "local", the URL
  /// without credentials, or the context's name.
  std::string name() const;

  friend bool operator==(const EngineSpec&, const EngineSpec&) = default;
};

/// The most workers one engine may be given.
inline constexpr size_t kMaxEngineJobs = 4096;

/// Parses `URL[=JOBS]` (JOBS a count of at least 1). Accepts "local",
/// unix://PATH, tcp://HOST:PORT, ssh://[USER@]HOST[:PORT] and context
/// names ([a-zA-Z0-9][a-zA-Z0-9_.+-]*). Throws EngineSpecError naming the
/// value and what is allowed.
EngineSpec parse_engine(const std::string& text);

/// The docker CLI invocation that talks to `engine`: {"docker"} for the
/// local one, {"docker", "--host", URL} or {"docker", "--context", NAME}.
std::vector<std::string> docker_cli(const EngineSpec& engine, const std::string& docker = "docker");

/// What `docker info` says of an engine.
struct EngineInfo {
  bool reachable = false;
  /// Why not, when unreachable: the CLI's own words, trimmed.
  std::string error;
  std::string server_version;
  unsigned cpus = 0;
  uint64_t memory_bytes = 0;
  /// 1 or 2; 0 if unknown.
  int cgroup_version = 0;
};

/// How long probe_engine waits by default: ssh's own connect timeout is
/// 30 s, a dead host should not hold a run's start that long.
inline constexpr std::chrono::milliseconds kEngineProbeTimeout{15'000};

/// Asks the engine (blocking, bounded by a timeout).
EngineInfo probe_engine(const EngineSpec& engine);
/// The same with another timeout or docker CLI (tests use a fake one).
EngineInfo probe_engine(const EngineSpec& engine, std::chrono::milliseconds timeout,
                        const std::string& docker = "docker");
/// Reads what `docker info --format '{{json .}}'` printed; `reachable` when
/// it names a server version and no server error.
EngineInfo parse_engine_info(const std::string& json);

}  // namespace sandbox
