#include "sandbox/docker_sandbox.h"

#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

namespace sandbox {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

/// docker CLI calls that only talk to the engine.
constexpr seconds kCliTimeout{60};
/// A first start after an image import sets up its layers.
constexpr seconds kProbeTimeout{180};

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

fs::path home_dir() {
  const std::string home = env_or_empty("HOME");
  return home.empty() ? fs::path("/root") : fs::path(home);
}

/// The CPUs we may run on, in order.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

std::string bind(const fs::path& source, const std::string& target) {
  return "type=bind,src=" + source.string() + ",dst=" + target + ",readonly";
}

/// `args` joined by spaces, for messages.
std::string joined(const std::vector<std::string>& args) {
  std::string text;
  for (const std::string& arg : args) {
    if (!text.empty()) text += ' ';
    text += arg;
  }
  return text;
}

/// Whether `run_args` bind-mount something: --mount type=bind,… or
/// -v/--volume SOURCE:TARGET with a path as SOURCE.
bool binds_anything(const std::vector<std::string>& run_args) {
  for (size_t i = 0; i < run_args.size(); ++i) {
    std::string flag = run_args[i];
    std::string value;
    if (const size_t eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
    } else if (i + 1 < run_args.size()) {
      value = run_args[i + 1];
    }
    if (flag == "--mount" && value.find("type=bind") != std::string::npos) return true;
    if ((flag == "-v" || flag == "--volume") && value.find(':') != std::string::npos &&
        (value.starts_with("/") || value.starts_with("."))) {
      return true;
    }
  }
  return false;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

fs::path default_agent_path() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    for (const fs::path& candidate : {self.parent_path() / "crater-at-home-agent",
                                      self.parent_path() / "agent" / "crater-at-home-agent"}) {
      if (fs::exists(candidate, error)) return candidate;
    }
  }
  return "crater-at-home-agent";
}

fs::path default_rustup_home() {
  const std::string value = env_or_empty("RUSTUP_HOME");
  return value.empty() ? home_dir() / ".rustup" : fs::path(value);
}

fs::path default_cargo_bin() {
  const std::string value = env_or_empty("CARGO_HOME");
  return (value.empty() ? home_dir() / ".cargo" : fs::path(value)) / "bin";
}

DockerOptions options_for_engine(DockerOptions local, const EngineSpec& engine,
                                 const EngineInfo& info, const std::string& runtime_volume) {
  DockerOptions options = std::move(local);
  const std::string cli = options.docker.empty() ? "docker" : options.docker.front();
  options.docker = docker_cli(engine, cli);
  if (engine.memory_limit_gb) {
    options.memory_bytes = static_cast<uint64_t>(*engine.memory_limit_gb * double(1ULL << 30));
  }
  if (engine.local()) return options;
  options.runtime_volume = runtime_volume;
  options.mounts.clear();
  if (binds_anything(options.run_args)) options.run_args.clear();
  options.cpus = info.cpus;
  return options;
}

DockerSandbox::DockerSandbox(DockerOptions options) : options_(std::move(options)) {
  if (options_.docker.empty()) throw SandboxError("no docker CLI given");
  if (options_.remote()) {
    if (!options_.mounts.empty()) {
      throw SandboxError("a worker on a remote engine cannot bind-mount " +
                         options_.mounts.front().source.string() +
                         ": nothing of the server's file system is there");
    }
    if (binds_anything(options_.run_args)) {
      throw SandboxError("a worker on a remote engine cannot bind-mount server paths (" +
                         joined(options_.run_args) + ")");
    }
    return;
  }
  if (options_.agent.empty()) options_.agent = default_agent_path();
  if (options_.rustup_home.empty()) options_.rustup_home = default_rustup_home();
  if (options_.cargo_bin.empty()) options_.cargo_bin = default_cargo_bin();
  // Docker resolves bind sources itself; relative paths mean nothing to it.
  std::error_code error;
  for (fs::path* path : {&options_.agent, &options_.rustup_home, &options_.cargo_bin}) {
    *path = fs::absolute(*path, error);
  }
  for (Mount& mount : options_.mounts) mount.source = fs::absolute(mount.source, error);
}

std::string DockerSandbox::container_name(unsigned index) const {
  return options_.name_prefix + "-" + std::to_string(index);
}

std::vector<std::string> DockerSandbox::docker(std::vector<std::string> args) const {
  args.insert(args.begin(), options_.docker.begin(), options_.docker.end());
  return args;
}

std::vector<std::string> DockerSandbox::run_command(unsigned index) const {
  const DockerOptions& o = options_;
  // One CPU: a pinned one, or on a remote engine of unknown size one CPU's
  // time.
  std::string cpu_flag = "--cpuset-cpus";
  std::string cpu;
  if (o.cpus > 0) {
    cpu = std::to_string(index % o.cpus);
  } else if (o.remote()) {
    cpu_flag = "--cpus";
    cpu = "1";
  } else {
    const std::vector<int> cpus = allowed_cpus();
    cpu = std::to_string(cpus[index % cpus.size()]);
  }
  const std::string memory = std::to_string(o.memory_bytes);
  std::vector<std::string> argv = docker({
      "run",
      "--rm",
      "-i",
      "--name",
      container_name(index),
      "--label",
      "crater-at-home.worker=" + o.name_prefix,
      "--read-only",
      "--network",
      o.network ? "bridge" : "none",
      cpu_flag,
      cpu,
      "--memory",
      memory,
      "--memory-swap",
      memory,
      "--pids-limit",
      std::to_string(o.pids_limit),
      "--security-opt",
      "no-new-privileges",
      "--tmpfs",
      "/tmp:exec,mode=1777",
      "--tmpfs",
      std::string(kHome) + "/.cache:exec",
      "-v",
      kBuildDir,
      "-v",
      kCargoHome,
  });
  if (o.remote()) {
    argv.insert(argv.end(), {"--mount", "type=volume,src=" + o.runtime_volume +
                                            ",dst=" + kRuntimeDir + ",readonly"});
  } else {
    argv.insert(argv.end(),
                {"--mount", bind(o.agent, kAgentPath), "--mount", bind(o.rustup_home, kRustupHome),
                 "--mount", bind(o.cargo_bin, kCargoBin)});
  }
  for (const Mount& mount : o.mounts) {
    argv.insert(argv.end(), {"--mount", bind(mount.source, mount.target)});
  }
  if (!o.setup_volume.empty()) {
    argv.insert(argv.end(), {"--mount", "type=volume,src=" + o.setup_volume + ",dst=" + kSetupDir +
                                            (o.setup_writable ? "" : ",readonly")});
  }
  std::map<std::string, std::string> env = o.env;
  env["HOME"] = kHome;
  env["CARGO_HOME"] = kCargoHome;
  env["RUSTUP_HOME"] = o.remote() ? kRuntimeRustupHome : kRustupHome;
  env["PATH"] = std::string(o.remote() ? kRuntimeCargoBin : kCargoBin) +
                ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& [name, value] : env) {
    std::string assignment = name;
    assignment += '=';
    assignment += value;
    argv.insert(argv.end(), {"-e", std::move(assignment)});
  }
  argv.insert(argv.end(), o.run_args.begin(), o.run_args.end());
  argv.insert(argv.end(),
              {"--workdir", kBuildDir, o.image, o.remote() ? kRuntimeAgent : kAgentPath,
               "--build-dir", kBuildDir, "--echo-commands", "--nice", std::to_string(o.nice)});
  return argv;
}

void DockerSandbox::check() const {
  const CommandOutput version =
      run_to_end(docker({"version", "--format", "{{.Server.Version}}"}), kCliTimeout);
  if (!version.status.success()) {
    throw SandboxError("cannot reach the Docker engine (`" + joined(options_.docker) +
                       " version`: " + trimmed(version.err) +
                       "); start dockerd, or point DOCKER_HOST at an engine");
  }
  const CommandOutput image =
      run_to_end(docker({"image", "inspect", "--format", "{{.Id}}", options_.image}), kCliTimeout);
  if (!image.status.success()) {
    throw SandboxError("no worker image '" + options_.image + "' in the Docker engine" +
                       (options_.remote()
                            ? " (`" + joined(options_.docker) +
                                  "`): deliver it from the local engine (engine_delivery.h)"
                            : ": build it with `crater-at-home image build`"));
  }
  if (options_.remote()) {
    if (!volume_exists(options_.runtime_volume)) {
      throw SandboxError("no runtime volume " + options_.runtime_volume + " on the engine (`" +
                         joined(options_.docker) + "`): deliver it first (engine_delivery.h)");
    }
  } else if (std::error_code error; !fs::is_regular_file(options_.agent, error)) {
    throw SandboxError("no agent binary at '" + options_.agent.string() +
                       "': build crater-at-home-agent or pass its path");
  }
  // A worker that reads no job exits at once: it shows that the container
  // starts with these mounts and limits, and that the agent runs inside.
  std::vector<std::string> probe = run_command(0);
  const std::string name = options_.name_prefix + "-check";
  for (size_t i = 0; i + 1 < probe.size(); ++i) {
    if (probe[i] == "--name") probe[i + 1] = name;
  }
  run_to_end(docker({"rm", "-f", "-v", name}), kCliTimeout);
  const CommandOutput started = run_to_end(probe, kProbeTimeout);
  if (started.timed_out) run_to_end(docker({"rm", "-f", "-v", name}), kCliTimeout);
  if (!started.status.success()) {
    throw SandboxError("a worker container does not start (" + started.status.describe() +
                       "): " + trimmed(started.err));
  }
}

std::unique_ptr<Worker> DockerSandbox::start(unsigned index) const {
  const std::string name = container_name(index);
  // `rm -v`: a container removed with -f (not exiting on its own, when
  // --rm would take them) leaves its anonymous /build and /cargo volumes
  // behind otherwise, two per worker start, on every engine.
  run_to_end(docker({"rm", "-f", "-v", name}), kCliTimeout);
  auto process = std::make_unique<ChildProcess>(run_command(index));
  std::vector<std::string> remove = docker({"rm", "-f", "-v", name});
  std::vector<std::string> list = docker({"ps", "-aq", "--filter", "name=^" + name + "$"});
  return std::make_unique<Worker>(name, std::move(process), [remove, list] {
    // A container already removing itself (--rm) answers "removal already
    // in progress" and is still listed for a moment: wait until it is not.
    const auto deadline = std::chrono::steady_clock::now() + kCliTimeout;
    do {
      run_to_end(remove, kCliTimeout);
      const CommandOutput listed = run_to_end(list, kCliTimeout);
      if (!listed.status.success() || listed.out.empty()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < deadline);
  });
}

std::vector<std::string> DockerSandbox::labelled_containers() const {
  const CommandOutput listed = run_to_end(
      docker({"ps", "-aq", "--filter", "label=crater-at-home.worker=" + options_.name_prefix}),
      kCliTimeout);
  if (!listed.status.success()) {
    throw SandboxError("cannot list containers: " + trimmed(listed.err));
  }
  std::vector<std::string> ids;
  std::istringstream lines(listed.out);
  for (std::string id; std::getline(lines, id);) {
    if (!id.empty()) ids.push_back(id);
  }
  return ids;
}

size_t DockerSandbox::remove_all() const {
  std::vector<std::string> ids = labelled_containers();
  const size_t found = ids.size();
  // A container already removing itself (--rm) answers "removal already in
  // progress" and is still listed for a moment: wait until none is.
  const auto deadline = std::chrono::steady_clock::now() + kCliTimeout;
  while (!ids.empty() && std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> remove = docker({"rm", "-f", "-v"});
    remove.insert(remove.end(), ids.begin(), ids.end());
    run_to_end(remove, kCliTimeout);
    ids = labelled_containers();
    if (!ids.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!ids.empty()) {
    throw SandboxError("containers labelled crater-at-home.worker=" + options_.name_prefix +
                       " remain after " + std::to_string(kCliTimeout.count()) + " s");
  }
  return found;
}

std::vector<std::string> DockerSandbox::probe_command() const {
  return docker({"version", "--format", "{{.Server.Version}}"});
}

std::string DockerSandbox::image_id() const {
  const CommandOutput image =
      run_to_end(docker({"image", "inspect", "--format", "{{.Id}}", options_.image}), kCliTimeout);
  if (!image.status.success()) {
    throw SandboxError("cannot inspect image '" + options_.image + "': " + trimmed(image.err));
  }
  return trimmed(image.out);
}

bool DockerSandbox::volume_exists(const std::string& name) const {
  const CommandOutput inspected =
      run_to_end(docker({"volume", "inspect", "--format", "{{.Name}}", name}), kCliTimeout);
  if (inspected.status.success()) return true;
  if (inspected.err.find("No such volume") != std::string::npos ||
      inspected.err.find("no such volume") != std::string::npos) {
    return false;
  }
  throw SandboxError("cannot inspect volume " + name + ": " + trimmed(inspected.err));
}

void DockerSandbox::create_volume(const std::string& name,
                                  const std::map<std::string, std::string>& labels) const {
  std::vector<std::string> argv = docker({"volume", "create"});
  for (const auto& [key, value] : labels) {
    std::string label = key;
    label.append("=").append(value);
    argv.insert(argv.end(), {"--label", std::move(label)});
  }
  argv.push_back(name);
  const CommandOutput created = run_to_end(argv, kCliTimeout);
  if (!created.status.success()) {
    throw SandboxError("cannot create volume " + name + ": " + trimmed(created.err));
  }
}

void DockerSandbox::remove_volume(const std::string& name) const {
  const CommandOutput removed = run_to_end(docker({"volume", "rm", name}), kCliTimeout);
  if (!removed.status.success()) {
    throw SandboxError("cannot remove volume " + name + ": " + trimmed(removed.err));
  }
}

}  // namespace sandbox
