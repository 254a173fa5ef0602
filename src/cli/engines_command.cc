// `crater-at-home engines`: checks the Docker engines a run would use (its
// --engine options, else the [[run.engine]] tables of crater-at-home.toml,
// else the local engine) and prints one line per engine: reachable or not
// and why, Docker's version, CPUs, memory, cgroup version, the jobs it
// would get, and whether it has the worker image with the local engine's
// ID. Exits 1 when an engine is unusable. With --deliver it also sends the
// image and the runtime volume to each remote engine that needs them
// (docs/fleet.md).

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/engine.h"
#include "sandbox/engine_delivery.h"
#include "sandbox/sandbox.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

struct EnginesOptions {
  std::vector<std::string> engines;
  std::string image = sandbox::kDefaultImage;
  bool deliver = false;
  std::vector<std::string> toolchains;
  std::string agent;
};

/// What we found out about one engine.
struct Checked {
  sandbox::EngineSpec spec;
  /// Set when the engine was given wrongly.
  std::string wrong;
  sandbox::EngineInfo info;
  /// The image's ID there; none if it has no such image.
  std::optional<std::string> image_id;
  /// Why the image could not be asked about.
  std::string image_error;
};

Checked check(const sandbox::EngineSpec& spec, const std::string& image) {
  Checked checked{.spec = spec};
  checked.info = sandbox::probe_engine(spec);
  if (!checked.info.reachable) return checked;
  try {
    checked.image_id = sandbox::engine_image_id(spec, image);
  } catch (const sandbox::SandboxError& e) {
    checked.image_error = e.what();
  }
  return checked;
}

std::string short_id(const std::string& id) {
  return id.substr(0, std::min<size_t>(id.size(), 19));
}

/// The line for one engine; `usable` is cleared when it cannot run workers.
std::string describe(const Checked& c, const EnginesOptions& options,
                     const std::optional<std::string>& local_id, bool& usable) {
  if (!c.wrong.empty()) {
    usable = false;
    return "wrong engine: " + c.wrong;
  }
  if (!c.info.reachable) {
    usable = false;
    return "unreachable: " + c.info.error;
  }
  const sandbox::EngineInfo& i = c.info;
  std::string line =
      fmt::format("ok: Docker {}, {} CPUs, {:.1f} GiB memory, cgroup {}", i.server_version, i.cpus,
                  static_cast<double>(i.memory_bytes) / double(1ULL << 30),
                  i.cgroup_version == 0 ? std::string("version unknown")
                                        : fmt::format("v{}", i.cgroup_version));
  const size_t jobs = c.spec.jobs.value_or(i.cpus);
  line += fmt::format(", {} jobs{}", jobs, c.spec.jobs ? "" : " (its CPUs)");
  if (c.spec.memory_limit_gb) {
    line += fmt::format(" of {:g} GB", *c.spec.memory_limit_gb);
    if (static_cast<double>(jobs) * *c.spec.memory_limit_gb * 1e9 >
        static_cast<double>(i.memory_bytes)) {
      line += " (more than its memory: fewer jobs, or a lower memory-limit-gb)";
    }
  }
  line += "; image " + options.image + " ";
  if (!c.image_error.empty()) {
    usable = false;
    return line + "cannot be asked about: " + c.image_error;
  }
  if (c.spec.local()) {
    if (!c.image_id) {
      usable = false;
      return line + "missing: build it with `crater-at-home image build`";
    }
    return line + "present (" + short_id(*c.image_id) + ")";
  }
  if (!local_id) {
    if (c.image_id)
      return line + "present (" + short_id(*c.image_id) + "), not on the local engine";
    usable = false;
    return line + "missing, and not on the local engine to send either";
  }
  if (!c.image_id) return line + "missing: a run sends it from the local engine";
  if (*c.image_id != *local_id) {
    return line + "outdated (" + short_id(*c.image_id) + ", the local engine's is " +
           short_id(*local_id) + "): a run sends it";
  }
  return line + "present and current (" + short_id(*c.image_id) + ")";
}

/// Sends the image and the runtime volume to a remote engine; what it did.
std::string deliver(const Checked& c, const EnginesOptions& options) {
  const sandbox::Say say = [](const std::string& text) {
    std::fprintf(stderr, "crater-at-home: %s\n", text.c_str());
  };
  const sandbox::Delivery image = sandbox::deliver_image(c.spec, options.image, say);
  sandbox::RuntimeContents contents{
      .agent = options.agent.empty() ? sandbox::default_agent_path() : fs::path(options.agent),
      .rustup_home = sandbox::default_rustup_home(),
      .cargo_bin = sandbox::default_cargo_bin(),
      .toolchains = options.toolchains,
  };
  const sandbox::Delivery runtime = sandbox::deliver_runtime(c.spec, options.image, contents, say);
  const auto what = [](const sandbox::Delivery& d) {
    return d.sent ? fmt::format("sent, {:.0f} MB in {:.1f} s", static_cast<double>(d.bytes) / 1e6,
                                d.seconds)
                  : std::string("already there");
  };
  return "; delivered: image " + what(image) + ", runtime volume " + runtime.name + " " +
         what(runtime);
}

int check_engines(const EnginesOptions& options, const fs::path& config) {
  std::vector<Checked> checked;
  std::vector<sandbox::EngineSpec> specs;
  for (const std::string& text : options.engines) {
    try {
      specs.push_back(sandbox::parse_engine(text));
    } catch (const sandbox::EngineSpecError& e) {
      checked.push_back(Checked{.spec = {.host = text}, .wrong = e.what()});
    }
  }
  if (options.engines.empty()) specs = config_engines(config, "run");
  if (options.engines.empty() && specs.empty()) specs.push_back(sandbox::EngineSpec{});

  std::optional<std::string> local_id;
  try {
    local_id = sandbox::engine_image_id(sandbox::EngineSpec{}, options.image);
  } catch (const sandbox::SandboxError&) {
    // The local engine's own line says why.
  }
  // Every engine at once: an unreachable one costs its timeout only once.
  std::vector<std::future<Checked>> probes;
  probes.reserve(specs.size());
  for (const sandbox::EngineSpec& spec : specs) {
    probes.push_back(std::async(std::launch::async, check, spec, options.image));
  }
  for (auto& probe : probes) checked.push_back(probe.get());

  size_t width = 0;
  for (const Checked& c : checked) width = std::max(width, c.spec.name().size());
  size_t unusable = 0;
  size_t jobs = 0;
  for (const Checked& c : checked) {
    bool usable = true;
    std::string line = describe(c, options, local_id, usable);
    if (usable && options.deliver && !c.spec.local()) {
      try {
        line += deliver(c, options);
      } catch (const sandbox::SandboxError& e) {
        usable = false;
        line += std::string("; delivery failed: ") + e.what();
      }
    }
    if (usable) {
      jobs += c.spec.jobs.value_or(c.info.cpus);
    } else {
      ++unusable;
    }
    std::printf("%-*s  %s\n", static_cast<int>(width), c.spec.name().c_str(), line.c_str());
  }
  std::fflush(stdout);
  if (unusable > 0) {
    std::fprintf(stderr, "crater-at-home: %zu of %zu engines cannot run workers\n", unusable,
                 checked.size());
    return 1;
  }
  std::fprintf(stderr, "crater-at-home: %zu engines, %zu jobs\n", checked.size(), jobs);
  return 0;
}

}  // namespace

void add_engines_command(CLI::App& app, int& exit_status) {
  auto options = std::make_shared<EnginesOptions>();
  CLI::App* command = app.add_subcommand(
      "engines",
      "Check the Docker engines a run would use: reachable, version, CPUs, memory, cgroups, "
      "and the worker image (docs/fleet.md)");
  command
      ->add_option("--engine", options->engines,
                   "An engine, URL[=JOBS]: local, unix:///PATH, tcp://HOST:PORT, "
                   "ssh://[USER@]HOST[:PORT] or a docker context; repeatable (default: the "
                   "[[run.engine]] tables of the options file, else the local engine)")
      ->take_all();
  command->add_option("--image", options->image, "The worker image")->capture_default_str();
  command->add_flag("--deliver", options->deliver,
                    "Also send the image and the runtime volume (agent, toolchains) to each "
                    "remote engine that lacks them");
  command->add_option("--toolchain", options->toolchains,
                      "With --deliver: a toolchain to put in the runtime volume; repeatable "
                      "(default: every installed one)");
  command->add_option("--agent", options->agent,
                      "With --deliver: the agent binary (default: beside us)");
  command->callback(
      [options, &app, &exit_status] { exit_status = check_engines(*options, config_in_use(app)); });
}

}  // namespace cli
