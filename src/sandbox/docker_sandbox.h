#pragma once
// The Docker sandbox: each worker is one long-lived container running the
// agent, started with `docker run --rm -i` through the docker CLI, so that
// DOCKER_HOST and docker contexts (remote engines) work as they do for the
// user. Bind-mount sources are paths on the engine's machine.
//
// Inside every container (see docs/sandbox.md):
//   /                read-only image (crater-at-home-worker, docker/)
//   /build           a volume of its own: the crate and its target/
//   /cargo           a volume of its own: CARGO_HOME (config, registry cache)
//   /tmp, /root/.cache  tmpfs, exec
//   /opt/rustup, /opt/cargo/bin  the host's toolchains, read-only
//   /opt/crater-at-home/agent    the static agent, read-only
//   /opt/setup       the tool's setup volume, if it has one, read-only
//   + read-only mounts the caller adds (a local registry, the crate inbox)
// with no network, one CPU, a memory limit with no swap, a pids limit, and
// only the environment given here: nothing of ours (AWS keys, docker
// config) is passed in.
//
// On a remote engine (DockerOptions::runtime_volume set) nothing of the
// server's file system is mounted: the agent and the toolchains come from
// the runtime volume (engine_delivery.h), read-only at kRuntimeDir:
//   /opt/crater-at-home-runtime/agent, rustup/ (RUSTUP_HOME), cargo-bin/ (PATH)
// and everything else a job needs reaches it through the protocol.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "sandbox/engine.h"
#include "sandbox/sandbox.h"
#include "sandbox/worker.h"

namespace sandbox {

inline constexpr const char* kDefaultImage = "crater-at-home-worker:bookworm";

/// Paths inside the container.
inline constexpr const char* kAgentPath = "/opt/crater-at-home/agent";
inline constexpr const char* kBuildDir = "/build";
inline constexpr const char* kCargoHome = "/cargo";
inline constexpr const char* kHome = "/root";
inline constexpr const char* kRustupHome = "/opt/rustup";
inline constexpr const char* kCargoBin = "/opt/cargo/bin";
/// Where a tool's setup (a named volume) is mounted: {setup} in tools.toml.
inline constexpr const char* kSetupDir = "/opt/setup";
/// Where a remote engine's runtime volume is mounted, and what it holds.
inline constexpr const char* kRuntimeDir = "/opt/crater-at-home-runtime";
inline constexpr const char* kRuntimeAgent = "/opt/crater-at-home-runtime/agent";
inline constexpr const char* kRuntimeRustupHome = "/opt/crater-at-home-runtime/rustup";
inline constexpr const char* kRuntimeCargoBin = "/opt/crater-at-home-runtime/cargo-bin";

/// A read-only bind mount.
struct Mount {
  std::filesystem::path source;  // on the engine's machine
  std::string target;            // in the container
};

struct DockerOptions {
  /// The docker CLI to run, with what names the engine:
  /// docker_cli(engine) (engine.h), e.g. {"docker", "--host", "ssh://box"}.
  std::vector<std::string> docker = {"docker"};
  std::string image = kDefaultImage;
  /// The agent binary (static, so it runs in any image).
  std::filesystem::path agent;
  /// The host's rustup home and cargo bin folder (rustup's proxies).
  std::filesystem::path rustup_home;
  std::filesystem::path cargo_bin;
  std::vector<Mount> mounts;
  /// More `docker run` arguments, e.g. the host mounts a `:host` image needs.
  std::vector<std::string> run_args;
  /// Memory and swap together: swapping would only make a crate slow.
  uint64_t memory_bytes = uint64_t{8} << 30;
  uint32_t pids_limit = 4096;
  /// Worker i is pinned to CPU i mod cpus; 0 means every CPU we may use.
  unsigned cpus = 0;
  /// Off for builds and tests; fetching dependencies happens outside.
  bool network = false;
  /// Containers are named PREFIX-INDEX and labelled with the prefix.
  std::string name_prefix = "cah-worker";
  /// The container's environment beyond HOME, PATH, CARGO_HOME, RUSTUP_HOME.
  std::map<std::string, std::string> env;
  /// Passed to the agent (`--nice`); 19 keeps a sweep from slowing the box.
  int nice = 19;
  /// A named volume mounted at kSetupDir: read-only for workers; writable
  /// only for the sandbox that makes the setup (queue/tool_setup.h).
  std::string setup_volume;
  bool setup_writable = false;
  /// Set for a remote engine: the volume on it holding the agent and the
  /// toolchains (runtime_volume_name(), filled by deliver_runtime()). Then
  /// `agent`, `rustup_home` and `cargo_bin` are not used, `mounts` must be
  /// empty and `run_args` may not bind-mount anything: a remote worker has
  /// no bind mount of any server path. With `cpus` 0, a remote worker gets
  /// one CPU's time (--cpus 1) rather than a pinned CPU.
  std::string runtime_volume;

  bool remote() const { return !runtime_volume.empty(); }
};

/// The agent next to our own executable, or in the build tree's layout.
std::filesystem::path default_agent_path();
/// $RUSTUP_HOME, else ~/.rustup.
std::filesystem::path default_rustup_home();
/// $CARGO_HOME/bin, else ~/.cargo/bin.
std::filesystem::path default_cargo_bin();

/// The options of workers on `engine`, from those of the local engine's:
/// the docker CLI for that engine; its memory-limit-gb if it has one; for a
/// remote engine also `runtime_volume` (engine_delivery.h), no mounts and
/// no bind-mounting run_args, and one pinned CPU of the `info.cpus` it has.
/// The container names stay: each engine is its own namespace (but give
/// two specs that reach one daemon different name_prefix).
DockerOptions options_for_engine(DockerOptions local, const EngineSpec& engine,
                                 const EngineInfo& info, const std::string& runtime_volume);

class DockerSandbox : public Sandbox {
 public:
  /// Throws SandboxError if remote options would bind-mount a server path.
  explicit DockerSandbox(DockerOptions options);

  const DockerOptions& options() const { return options_; }
  std::string container_name(unsigned index) const;
  /// The `docker run` command line of worker `index`.
  std::vector<std::string> run_command(unsigned index) const;

  /// Checks that the engine answers, the image exists, the agent exists
  /// (locally; on a remote engine, the runtime volume), and a container
  /// with these options starts and runs the agent. Throws SandboxError
  /// saying what is wrong and what to do.
  void check() const;

  /// Starts worker `index`, replacing any container of the same name (one
  /// left behind by a run that was killed).
  std::unique_ptr<Worker> start(unsigned index) const;
  std::unique_ptr<JobWorker> start_worker(unsigned index) const override { return start(index); }

  /// Removes every container with our label, running or not, and waits
  /// until none is listed; returns how many there were. Throws
  /// SandboxError if some remain.
  size_t remove_all() const override;
  /// `docker version` against this sandbox's engine.
  std::vector<std::string> probe_command() const override;

  /// The image's id ("sha256:…"). Throws SandboxError.
  std::string image_id() const;
  /// Named volumes (a tool's setup). Each throws SandboxError on failure,
  /// except that creating one that exists does nothing.
  bool volume_exists(const std::string& name) const;
  void create_volume(const std::string& name,
                     const std::map<std::string, std::string>& labels) const;
  void remove_volume(const std::string& name) const;

 private:
  std::vector<std::string> labelled_containers() const;
  std::vector<std::string> docker(std::vector<std::string> args) const;

  DockerOptions options_;
};

}  // namespace sandbox
