#include "queue/crate_job.h"

#include <sys/utsname.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

namespace queue {

agent::Job crate_job(const tools::Tool& tool, const std::string& crate, const std::string& version,
                     agent::Source source, const CrateJobSettings& settings) {
  tools::Tool chosen = tool;
  if (settings.toolchain) chosen.toolchain = *settings.toolchain;
  if (settings.timeout) chosen.timeout = *settings.timeout;
  if (settings.no_output_timeout) chosen.no_output_timeout = *settings.no_output_timeout;
  // The agent fills in the crate's own arguments: keep the placeholder.
  const std::vector<tools::Invocation> invocations =
      chosen.expand({.target = settings.target, .crate_args = {"{crate_args}"}});

  agent::Job job{
      .crate = crate,
      .version = version,
      .source = std::move(source),
      .toolchain = chosen.toolchain,
      .timeouts = {.no_output_seconds = static_cast<uint32_t>(chosen.no_output_timeout.count())},
      .cargo_config = settings.cargo_config,
  };
  std::chrono::seconds total{0};
  for (const tools::Invocation& invocation : invocations) {
    // A command's timeout overrides the tool's, unless the command line
    // set one for the whole tool.
    const std::chrono::seconds timeout = settings.timeout ? *settings.timeout : invocation.timeout;
    job.commands.push_back({.argv = invocation.argv,
                            .show_output = invocation.show_output,
                            .timeout_seconds = static_cast<uint32_t>(timeout.count()),
                            .when_available = invocation.when_available,
                            .unless_available = invocation.unless_available});
    job.env.insert(invocation.env.begin(), invocation.env.end());
    total += timeout;
  }
  // The commands' own timeouts are the limits; the job's is their sum.
  job.timeouts.wall_seconds = static_cast<uint32_t>(
      std::clamp<int64_t>(total.count(), 1, std::numeric_limits<uint32_t>::max()));
  return job;
}

namespace {

std::string replacement_config(std::string_view kind, const std::filesystem::path& directory) {
  // A JSON string is a valid TOML basic string for any path.
  const std::string quoted = nlohmann::json(directory.string()).dump();
  return "[source.crates-io]\nreplace-with = \"crater-at-home\"\n\n"
         "[source.crater-at-home]\n" +
         std::string(kind) + " = " + quoted + "\n\n[net]\noffline = true\n";
}

}  // namespace

std::string directory_registry_config(const std::filesystem::path& directory) {
  return replacement_config("directory", directory);
}

std::string local_registry_config(const std::filesystem::path& directory) {
  return replacement_config("local-registry", directory);
}

std::string host_target() {
  utsname name{};
  uname(&name);
  const std::string machine = name.machine;
  return machine + "-unknown-linux-gnu";
}

}  // namespace queue
