#pragma once
// A tool's setup (Miri's sysroot), made once and kept: before any worker
// starts, the tool's [[tools.NAME.setup]] steps run in a sandbox of their
// own (the same image and toolchains, no crate, a network only if a step
// asks), writing into a Docker volume mounted at sandbox::kSetupDir. The
// volume is named from a hash of what the setup depends on (the image's id,
// the toolchain's `rustc -vV`, the steps, the environment, the target), so
// a later run with the same tool, image and toolchain reuses it; a marker
// written after every step passed says it is complete. Workers mount it
// read-only; the agent never empties it.

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "queue/crate_job.h"
#include "sandbox/docker_sandbox.h"
#include "tools/tool.h"

namespace queue {

/// The setup failed (a step exited non-zero, timed out, the sandbox died):
/// no crate can be run. The message holds the end of the setup's output.
class ToolSetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The file written last, once every step passed.
inline constexpr std::string_view kSetupCompleteMarker = ".crater-at-home-setup-complete";

struct ToolSetupOptions {
  std::string tool_name;
  /// The run's settings: toolchain override, target, the registry's cargo
  /// config (given to an offline setup).
  CrateJobSettings settings;
  /// The target of a mount in the sandbox's options that must not reach the
  /// setup (the crate inbox); empty: none.
  std::string inbox_mount;
  /// Readable once the run must stop; -1 for none.
  int stop_fd = -1;
  /// One line for the user at a time ("setting up", "reusing", "done").
  std::function<void(std::string_view)> say;
};

/// Makes sure the tool's setup volume is complete, running the setup if it
/// is not, and returns the volume's name; nullopt if stopped through
/// stop_fd. A tool with no setup steps gives "". Throws ToolSetupError, or
/// sandbox::SandboxError when the engine fails.
std::optional<std::string> prepare_tool_setup(const tools::Tool& tool,
                                              const sandbox::DockerSandbox& sandbox,
                                              const ToolSetupOptions& options);

/// The volume's name for a setup: cah-setup-TOOL-<16 hex of a SHA-256 of
/// `identity`> (what the setup depends on, as JSON).
std::string setup_volume_name(std::string_view tool_name, std::string_view identity);

}  // namespace queue
