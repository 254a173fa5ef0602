#pragma once
// One crate under one tool, as the job a worker runs: the tool's commands
// with their placeholders filled in (all but {crate_args}, which only the
// agent can read from the crate's Cargo.toml), its environment, timeouts,
// and the cargo configuration that points cargo at the sweep's registry.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "agent/job.h"
#include "tools/tool.h"

namespace queue {

struct CrateJobSettings {
  /// The target triple for {target}.
  std::string target;
  /// Overrides of the tool's own, from the command line.
  std::optional<std::string> toolchain;
  std::optional<std::chrono::seconds> timeout;
  std::optional<std::chrono::seconds> no_output_timeout;
  /// TOML for $CARGO_HOME/config.toml; see directory_registry_config().
  std::string cargo_config;
};

agent::Job crate_job(const tools::Tool& tool, const std::string& crate, const std::string& version,
                     agent::Source source, const CrateJobSettings& settings);

/// Cargo configuration that replaces crates.io with a directory registry
/// (such as Debian's /usr/share/cargo/registry) at `directory` in the
/// sandbox, offline.
std::string directory_registry_config(const std::filesystem::path& directory);
/// The same for a cargo local-registry (an index/ folder and .crate files).
std::string local_registry_config(const std::filesystem::path& directory);

/// The triple rustc builds for by default on this machine.
std::string host_target();

}  // namespace queue
