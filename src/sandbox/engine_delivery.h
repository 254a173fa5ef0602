#pragma once
// What a remote engine needs before it can run workers, delivered from the
// server (docs/fleet.md):
//   - the worker image, by ID: `docker save IMAGE | docker <engine> load`
//     when the engine has no image of that name or one with another ID;
//   - the runtime volume: the agent, the toolchains (without their docs),
//     rustup's settings and proxies, in a named volume whose name is a hash
//     of what it holds, filled by a tar stream into a throw-away container
//     on the engine; a completion marker, the stream's last member, tells
//     a whole volume from one a broken delivery left.
// Both are idempotent and cheap when there is nothing to do (one or two
// docker calls). They block; a run does them before it starts workers.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/engine.h"
#include "util/exit_status.h"

namespace sandbox {

/// Progress for the user, one line at a time.
using Say = std::function<void(const std::string&)>;

/// What a delivery did.
struct Delivery {
  /// False when the engine had it already.
  bool sent = false;
  /// The image's ID, or the runtime volume's name.
  std::string name;
  uint64_t bytes = 0;
  double seconds = 0;
};

/// The ID ("sha256:…") of `image` on `engine`; none when it has no such
/// image. Throws SandboxError when the engine cannot be asked.
std::optional<std::string> engine_image_id(const EngineSpec& engine, const std::string& image,
                                           const std::string& docker = "docker");

/// Makes `engine` hold `image` with the ID it has on the local engine.
/// Nothing to do for the local engine. Throws SandboxError saying what
/// failed (the local engine has no such image, save or load failed).
Delivery deliver_image(const EngineSpec& engine, const std::string& image, const Say& say,
                       const std::string& docker = "docker");

/// What goes into a runtime volume.
struct RuntimeContents {
  std::filesystem::path agent;
  /// The rustup home (its settings.toml and toolchains/) and the folder of
  /// rustup's proxies (cargo, rustc, …).
  std::filesystem::path rustup_home;
  std::filesystem::path cargo_bin;
  /// Toolchains to include, as rustup names them ("stable", "nightly",
  /// "1.80.0", or a full "stable-x86_64-unknown-linux-gnu"); empty: all.
  std::vector<std::string> toolchains;
};

/// The folders under rustup_home/toolchains that `contents` asks for.
/// Throws SandboxError naming a toolchain that is not installed.
std::vector<std::string> runtime_toolchains(const RuntimeContents& contents);

/// "cah-runtime-" + 16 hex digits of a hash of the agent's bytes, each
/// chosen toolchain's identity (its channel manifest, else the names, sizes
/// and times of its files), rustup's settings and the proxies. Throws
/// SandboxError if something is missing.
std::string runtime_volume_name(const RuntimeContents& contents);

/// The `tar` command that writes a runtime volume's content to stdout:
/// agent, rustup/settings.toml, rustup/toolchains/T/… (without share/doc),
/// cargo-bin/… (the proxies, symlinks kept).
std::vector<std::string> runtime_tar_command(const RuntimeContents& contents);

/// The file written last into a complete runtime volume, as the tar
/// stream's last member (its content: the volume's name).
inline constexpr const char* kRuntimeMarker = ".cah-runtime-complete";

/// Makes `engine` hold a complete runtime volume for `contents`, filling it
/// (again) unless it has the marker, using `image` (which must have `tar`
/// and be on the engine: deliver_image first). The volume's name is in the
/// answer's `name`. Throws SandboxError.
Delivery deliver_runtime(const EngineSpec& engine, const std::string& image,
                         const RuntimeContents& contents, const Say& say,
                         const std::string& docker = "docker");

/// How a producer | consumer pair ended (pipe_commands).
struct PipeOutcome {
  util::ExitStatus producer;
  util::ExitStatus consumer;
  std::string producer_err;
  std::string consumer_out;
  std::string consumer_err;
  uint64_t bytes = 0;
  bool timed_out = false;
};

/// Runs `producer | consumer`, passing the bytes through us (to count
/// them); kills both after `timeout`. Throws std::system_error if either
/// cannot be started.
PipeOutcome pipe_commands(const std::vector<std::string>& producer,
                          const std::vector<std::string>& consumer,
                          std::chrono::milliseconds timeout);

}  // namespace sandbox
