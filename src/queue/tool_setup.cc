#include "queue/tool_setup.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "registry/sha256.h"

namespace queue {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// The end of the setup's output kept for an error message.
constexpr size_t kOutputTail = size_t{16} * 1024;

std::string marker_path() {
  return std::string(sandbox::kSetupDir) + "/" + std::string(kSetupCompleteMarker);
}

/// A job with no crate: the agent runs `commands` in an empty build folder.
agent::Job setup_job(const tools::Tool& tool, const std::string& tool_name,
                     std::vector<agent::CommandSpec> commands,
                     std::map<std::string, std::string> env = {}, std::string cargo_config = "") {
  uint64_t total = 0;
  for (const auto& command : commands) total += command.timeout_seconds;
  return agent::Job{
      .crate = tool_name + "-setup",
      .version = "0",
      .source = {.kind = agent::Source::Kind::kNone},
      .toolchain = tool.toolchain,
      .commands = std::move(commands),
      .env = std::move(env),
      .timeouts = {.wall_seconds =
                       static_cast<uint32_t>(std::clamp<uint64_t>(total, 1, UINT32_MAX)),
                   .no_output_seconds = static_cast<uint32_t>(
                       std::clamp<int64_t>(tool.no_output_timeout.count(), 1, UINT32_MAX))},
      .cargo_config = std::move(cargo_config),
  };
}

agent::CommandSpec quick(std::vector<std::string> argv) {
  return {.argv = std::move(argv), .show_output = true, .timeout_seconds = 120};
}

/// Runs one job on `worker`, keeping the end of its output.
struct Ran {
  bool stopped = false;
  bool passed = false;  // every command ran and exited 0
  std::string why;      // when not passed
  std::string output;   // the end of it
};

Ran run_job(sandbox::Worker& worker, const agent::Job& job, int stop_fd) {
  Ran ran;
  const sandbox::Worker::Ending outcome = worker.run(
      job,
      [&](std::string_view bytes) {
        ran.output.append(bytes);
        if (ran.output.size() > 2 * kOutputTail)
          ran.output.erase(0, ran.output.size() - kOutputTail);
      },
      stop_fd);
  if (ran.output.size() > kOutputTail) ran.output.erase(0, ran.output.size() - kOutputTail);
  ran.why = "it ended with no result";
  if (outcome.stopped) {
    ran.stopped = true;
  } else if (outcome.death) {
    ran.why = "its sandbox died: " + *outcome.death;
  } else if (outcome.job_error) {
    ran.why = "it could not start: " + *outcome.job_error;
  } else if (outcome.result) {
    const agent::JobResult& result = *outcome.result;
    if (result.oom_killed) {
      ran.why = "it ran out of memory";
    } else if (result.timed_out != agent::Timeout::kNone) {
      ran.why = "it timed out";
    } else {
      ran.passed = true;
      for (size_t i = 0; i < result.commands.size(); ++i) {
        const agent::CommandResult& command = result.commands[i];
        if (command.exit_code == 0) continue;
        ran.passed = false;
        std::string shown;
        for (const auto& arg : job.commands[std::min(i, job.commands.size() - 1)].argv) {
          shown += (shown.empty() ? "" : " ") + arg;
        }
        ran.why = "`" + shown + "` " +
                  (command.exit_code ? "exited with " + std::to_string(*command.exit_code)
                                     : "was killed by signal " + std::to_string(*command.signal));
        break;
      }
    }
  }
  return ran;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

std::string setup_volume_name(std::string_view tool_name, std::string_view identity) {
  return "cah-setup-" + std::string(tool_name) + "-" + registry::sha256(identity).substr(0, 16);
}

std::optional<std::string> prepare_tool_setup(const tools::Tool& tool,
                                              const sandbox::DockerSandbox& sandbox,
                                              const ToolSetupOptions& options) {
  if (tool.setup.empty()) return std::string();
  const auto say = [&](const std::string& line) {
    if (options.say) options.say(line);
  };
  tools::Tool chosen = tool;
  if (options.settings.toolchain) chosen.toolchain = *options.settings.toolchain;
  if (options.settings.timeout) {
    chosen.timeout = *options.settings.timeout;
    for (tools::SetupStep& step : chosen.setup) step.timeout.reset();
  }
  const tools::Expansion expansion{.target = options.settings.target, .setup = sandbox::kSetupDir};
  const std::vector<tools::Invocation> steps = chosen.expand_setup(expansion);
  const bool network = chosen.setup_needs_network();

  // The setup sandbox: the workers' options without the crate inbox, with
  // the network the steps ask for, under a prefix of its own.
  sandbox::DockerOptions setup_options = sandbox.options();
  std::erase_if(setup_options.mounts, [&](const sandbox::Mount& mount) {
    return !options.inbox_mount.empty() && mount.target == options.inbox_mount;
  });
  setup_options.network = network;
  setup_options.name_prefix += "-setup";
  sandbox::DockerSandbox plain(setup_options);
  plain.remove_all();  // what a killed run's setup left

  // What the setup depends on: the image, the toolchain as it is today, the
  // steps and their environment.
  std::string rustc_version;
  {
    const std::unique_ptr<sandbox::Worker> worker = plain.start(0);
    const Ran probe = run_job(
        *worker,
        setup_job(chosen, options.tool_name, {quick({"rustc", "+" + chosen.toolchain, "-vV"})}),
        options.stop_fd);
    worker->stop();
    if (probe.stopped) return std::nullopt;
    if (!probe.passed) {
      throw ToolSetupError("the setup of tool '" + options.tool_name +
                           "' cannot start: toolchain " + chosen.toolchain + " does not run (" +
                           probe.why + "):\n" + probe.output);
    }
    rustc_version = probe.output;
  }
  json steps_json = json::array();
  std::map<std::string, std::string> env;
  for (const tools::Invocation& step : steps) {
    steps_json.push_back(step.argv);
    env = step.env;
  }
  const json identity = {{"image", sandbox.image_id()},
                         {"toolchain", chosen.toolchain},
                         {"rustc", rustc_version},
                         {"steps", steps_json},
                         {"env", env},
                         {"network", network},
                         {"target", options.settings.target}};
  const std::string volume = setup_volume_name(options.tool_name, identity.dump());
  if (!sandbox.volume_exists(volume)) {
    sandbox.create_volume(volume, {{"crater-at-home.setup", options.tool_name}});
  }

  setup_options.setup_volume = volume;
  setup_options.setup_writable = true;
  const sandbox::DockerSandbox writer(setup_options);
  const std::unique_ptr<sandbox::Worker> worker = writer.start(0);
  const Ran check =
      run_job(*worker, setup_job(chosen, options.tool_name, {quick({"test", "-f", marker_path()})}),
              options.stop_fd);
  if (check.stopped) return std::nullopt;
  if (check.passed) {
    worker->stop();
    say(options.tool_name + " setup: reusing volume " + volume);
    return volume;
  }

  // Not there, or left half-made by a run that was stopped: start afresh.
  std::string shown;
  for (const tools::Invocation& step : steps) {
    std::string line;
    for (const auto& arg : step.argv) line += (line.empty() ? "" : " ") + arg;
    shown += (shown.empty() ? "" : "; ") + line;
  }
  say(options.tool_name + " setup: running " + shown + " (network " + (network ? "on" : "off") +
      ") into volume " + volume);
  const Clock::time_point started = Clock::now();
  std::vector<agent::CommandSpec> commands{
      quick({"find", sandbox::kSetupDir, "-mindepth", "1", "-delete"})};
  for (const tools::Invocation& step : steps) {
    commands.push_back({.argv = step.argv,
                        .show_output = true,
                        .timeout_seconds = static_cast<uint32_t>(step.timeout.count())});
  }
  const Ran setup = run_job(*worker,
                            setup_job(chosen, options.tool_name, std::move(commands), env,
                                      network ? "" : options.settings.cargo_config),
                            options.stop_fd);
  if (setup.stopped) return std::nullopt;
  if (!setup.passed) {
    worker->stop();
    std::string message = "the setup of tool '" + options.tool_name + "' failed (" + setup.why +
                          "); no crate was run. The end of its output:\n" + setup.output;
    try {
      writer.remove_all();  // a container still being removed holds the volume
      sandbox.remove_volume(volume);
    } catch (const sandbox::SandboxError& e) {
      message += "\n(" + std::string(e.what()) + ")";
    }
    throw ToolSetupError(message);
  }
  // Last: the marker that says the volume is complete.
  const Ran marked =
      run_job(*worker, setup_job(chosen, options.tool_name, {quick({"touch", marker_path()})}),
              options.stop_fd);
  worker->stop();
  if (marked.stopped) return std::nullopt;
  if (!marked.passed) {
    throw ToolSetupError("cannot mark the setup of tool '" + options.tool_name + "' complete (" +
                         marked.why + "): " + marked.output);
  }
  say(options.tool_name + " setup: done in " +
      std::to_string(static_cast<int>(seconds_since(started))) + " s; kept in volume " + volume);
  return volume;
}

}  // namespace queue
