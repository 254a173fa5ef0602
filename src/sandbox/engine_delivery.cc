#include "sandbox/engine_delivery.h"

#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "registry/sha256.h"
#include "sandbox/child_process.h"
#include "sandbox/sandbox.h"

namespace sandbox {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// A docker call that only asks the engine something.
constexpr std::chrono::seconds kAskTimeout{60};
/// Sending an image or a runtime: a gigabyte over a slow link.
constexpr std::chrono::hours kSendTimeout{2};
/// Changing this makes every engine's runtime volume be sent again.
constexpr const char* kRuntimeFormat = "cah-runtime v1";

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

std::vector<std::string> with(std::vector<std::string> cli,
                              std::initializer_list<std::string> args) {
  cli.insert(cli.end(), args);
  return cli;
}

double megabytes(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

/// How a producer | consumer pair failed: " (timed out): docker save exit
/// status 0; docker load exit status 1: what it said".
std::string pipe_failure(const PipeOutcome& sent, std::string_view producer,
                         std::string_view consumer) {
  return fmt::format("{}: {} {}{}; {} {}{}", sent.timed_out ? " (timed out)" : "", producer,
                     sent.producer.describe(),
                     sent.producer_err.empty() ? "" : ": " + trimmed(sent.producer_err), consumer,
                     sent.consumer.describe(),
                     sent.consumer_err.empty() ? "" : ": " + trimmed(sent.consumer_err));
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// `text` with the characters a sed-style regex treats specially escaped.
std::string regex_escaped(const std::string& text) {
  std::string escaped;
  for (const char c : text) {
    if (std::string_view(".[]*^$\\+?(){}|,/").find(c) != std::string_view::npos) escaped += '\\';
    escaped += c;
  }
  return escaped;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

/// Names, kinds, sizes and times of everything under `root` but share/doc:
/// what a toolchain without a manifest is known by.
std::string stat_walk(const fs::path& root) {
  std::vector<std::string> lines;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::path relative = it->path().lexically_relative(root);
    if (relative == "share/doc") {
      it.disable_recursion_pending();
      continue;
    }
    const fs::file_status status = it->symlink_status(error);
    std::string line = relative.string();
    if (fs::is_symlink(status)) {
      line += " -> " + fs::read_symlink(it->path(), error).string();
    } else if (fs::is_regular_file(status)) {
      line += fmt::format(" {} {}", it->file_size(error),
                          it->last_write_time(error).time_since_epoch().count());
    }
    lines.push_back(std::move(line));
  }
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const std::string& line : lines) all += line + '\n';
  return all;
}

/// A runtime volume's identity, hashed into its name.
std::string runtime_identity(const RuntimeContents& contents,
                             const std::vector<std::string>& toolchains) {
  std::error_code error;
  if (!fs::is_regular_file(contents.agent, error)) {
    throw SandboxError("no agent binary at '" + contents.agent.string() + "'");
  }
  std::string identity = std::string(kRuntimeFormat) + '\n';
  identity += "agent " + registry::sha256_file(contents.agent) + '\n';
  for (const std::string& name : toolchains) {
    const fs::path dir = contents.rustup_home / "toolchains" / name;
    const fs::path manifest = dir / "lib/rustlib/multirust-channel-manifest.toml";
    identity += "toolchain " + name + ' ';
    identity += registry::sha256(fs::is_regular_file(manifest, error) ? read_file(manifest)
                                                                      : stat_walk(dir));
    // Components added since the manifest was written (rustup component
    // add) change the toolchain, not the manifest.
    identity += ' ' + registry::sha256(read_file(dir / "lib/rustlib/components")) + '\n';
  }
  identity += "settings " + registry::sha256(read_file(contents.rustup_home / "settings.toml"));
  identity += "\nproxies " + registry::sha256(stat_walk(contents.cargo_bin)) + '\n';
  return identity;
}

/// The tar command that writes a runtime volume's content to stdout:
///   agent, rustup/settings.toml, rustup/toolchains/T…, cargo-bin/…
std::vector<std::string> runtime_tar(const RuntimeContents& contents,
                                     const std::vector<std::string>& toolchains,
                                     const fs::path& marker_dir = {}) {
  const fs::path agent = fs::absolute(contents.agent);
  std::vector<std::string> argv = {
      "tar",
      "-c",
      "-f",
      "-",
      "--numeric-owner",
      "--owner=0",
      "--group=0",
      // The docs are most of a toolchain's size and no job reads them.
      "--exclude=toolchains/*/share/doc",
      // Member names as given below, renamed into the volume's layout (S:
      // not inside symlinks' targets; hard links' targets are renamed too).
      "--transform=s,^" + regex_escaped(agent.filename().string()) + "$,agent,S",
      "--transform=s,^settings\\.toml$,rustup/settings.toml,S",
      "--transform=s,^toolchains/,rustup/toolchains/,S",
      "--transform=s,^\\.$,cargo-bin,S",
      "--transform=s,^\\./,cargo-bin/,S",
      "-C",
      agent.parent_path().string(),
      agent.filename().string(),
      "-C",
      fs::absolute(contents.rustup_home).string(),
  };
  std::error_code error;
  if (fs::is_regular_file(contents.rustup_home / "settings.toml", error)) {
    argv.emplace_back("settings.toml");
  }
  for (const std::string& name : toolchains) argv.push_back("toolchains/" + name);
  argv.insert(argv.end(), {"-C", fs::absolute(contents.cargo_bin).string(), "."});
  // The marker is the archive's last member: a stream cut anywhere before
  // it never writes it.
  if (!marker_dir.empty()) argv.insert(argv.end(), {"-C", marker_dir.string(), kRuntimeMarker});
  return argv;
}

/// Blocks SIGPIPE in this thread while it lives, so that a write to a
/// consumer that died fails with EPIPE; a SIGPIPE raised meanwhile is
/// consumed before the old mask comes back.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_);
  }
  ~NoSigpipe() {
    if (!was_pending_) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      const timespec zero{};
      while (sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  NoSigpipe(const NoSigpipe&) = delete;
  NoSigpipe& operator=(const NoSigpipe&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

/// Whether `volume` holds the marker of a complete runtime volume.
bool marked_complete(const std::vector<std::string>& cli, const std::string& image,
                     const std::string& volume) {
  const CommandOutput marker = run_to_end(
      with(cli, {"run", "--rm", "--network", "none", "--read-only", "-v", volume + ":/dst:ro",
                 "--entrypoint", "cat", image, std::string("/dst/") + kRuntimeMarker}),
      kAskTimeout);
  return marker.status.success() && trimmed(marker.out) == volume;
}

/// Waits while the container `name` is being created, runs or is being
/// removed (a minute at most for one that was created and not started);
/// whether there was one.
bool wait_for(const std::vector<std::string>& cli, const std::string& name,
              const EngineSpec& engine, const Say& say) {
  const Clock::time_point deadline = Clock::now() + kSendTimeout;
  const Clock::time_point created_deadline = Clock::now() + kAskTimeout;
  bool waited = false;
  while (Clock::now() < deadline) {
    const CommandOutput state =
        run_to_end(with(cli, {"inspect", "--format", "{{.State.Status}}", name}), kAskTimeout);
    const std::string status = trimmed(state.out);
    if (!state.status.success() || status == "exited" || status == "dead") return waited;
    if (status == "created" && Clock::now() > created_deadline) return waited;
    if (!waited) say("engine " + engine.name() + ": waiting for " + name + ", another delivery");
    waited = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return waited;
}

}  // namespace

PipeOutcome pipe_commands(const std::vector<std::string>& producer,
                          const std::vector<std::string>& consumer,
                          std::chrono::milliseconds timeout) {
  const NoSigpipe no_sigpipe;
  ChildProcess from(producer);
  from.close_stdin();
  ChildProcess to(consumer);
  PipeOutcome outcome;
  const Clock::time_point deadline = Clock::now() + timeout;

  std::vector<char> buffer(size_t{1} << 20);
  size_t pending_start = 0;
  size_t pending_end = 0;
  bool producer_done = false;
  bool consumer_in_open = true;
  // 0 producer stdout, 1 producer stderr, 2 consumer stdout, 3 consumer
  // stderr, 4 consumer stdin.
  std::array<pollfd, 5> fds{pollfd{from.stdout_fd(), POLLIN, 0},
                            pollfd{from.stderr_fd(), POLLIN, 0}, pollfd{to.stdout_fd(), POLLIN, 0},
                            pollfd{to.stderr_fd(), POLLIN, 0}, pollfd{-1, POLLOUT, 0}};
  std::array<std::string*, 4> sinks{nullptr, &outcome.producer_err, &outcome.consumer_out,
                                    &outcome.consumer_err};
  std::array<char, 16384> small{};
  while (true) {
    const bool have_pending = pending_start < pending_end;
    // Read the producer only when what it gave is passed on.
    fds[0].fd = !producer_done && !have_pending ? from.stdout_fd() : -1;
    fds[4].fd = consumer_in_open && have_pending ? to.stdin_fd() : -1;
    if (producer_done && !have_pending && consumer_in_open) {
      to.close_stdin();
      consumer_in_open = false;
    }
    if (std::all_of(fds.begin(), fds.end(), [](const pollfd& p) { return p.fd < 0; })) break;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      outcome.timed_out = true;
      from.kill(SIGKILL);
      to.kill(SIGKILL);
      break;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left)) < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    if (fds[0].fd >= 0 && fds[0].revents != 0) {
      const ssize_t n = read(fds[0].fd, buffer.data(), buffer.size());
      if (n > 0) {
        pending_start = 0;
        pending_end = static_cast<size_t>(n);
        outcome.bytes += static_cast<uint64_t>(n);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        producer_done = true;
      }
    }
    for (size_t i = 1; i < 4; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, small.data(), small.size());
      if (n > 0) {
        // Keep the end of what they say: that is where the reason is.
        std::string& sink = *sinks[i];
        sink.append(small.data(), static_cast<size_t>(n));
        if (sink.size() > 65536) sink.erase(0, sink.size() - 65536);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[i].fd = -1;
      }
    }
    if (fds[4].fd >= 0 && fds[4].revents != 0) {
      const ssize_t n =
          write(fds[4].fd, buffer.data() + pending_start, pending_end - pending_start);
      if (n > 0) {
        pending_start += static_cast<size_t>(n);
      } else if (n < 0 && errno != EINTR && errno != EAGAIN) {
        // The consumer is gone: the producer's output has nowhere to go.
        to.close_stdin();
        consumer_in_open = false;
        pending_start = pending_end = 0;
        producer_done = true;
        from.kill(SIGKILL);
      }
    }
  }
  outcome.producer = from.wait();
  outcome.consumer = to.wait();
  return outcome;
}

std::optional<std::string> engine_image_id(const EngineSpec& engine, const std::string& image,
                                           const std::string& docker) {
  const CommandOutput inspected = run_to_end(
      with(docker_cli(engine, docker), {"image", "inspect", "--format", "{{.Id}}", image}),
      kAskTimeout);
  if (inspected.status.success()) return trimmed(inspected.out);
  std::string said = inspected.err;
  std::transform(said.begin(), said.end(), said.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (said.find("no such image") != std::string::npos) return std::nullopt;
  throw SandboxError("engine " + engine.name() + ": cannot inspect image " + image + ": " +
                     (inspected.timed_out ? "no answer" : trimmed(inspected.err)));
}

Delivery deliver_image(const EngineSpec& engine, const std::string& image, const Say& say,
                       const std::string& docker) {
  const std::optional<std::string> local = engine_image_id(EngineSpec{}, image, docker);
  if (!local) {
    throw SandboxError("no image " + image +
                       " on the local engine to send: build it with `crater-at-home image build`");
  }
  Delivery delivery{.name = *local};
  if (engine.local() || engine_image_id(engine, image, docker) == local) return delivery;

  say(fmt::format("engine {}: sending image {} ({})", engine.name(), image, local->substr(0, 19)));
  const Clock::time_point start = Clock::now();
  const PipeOutcome sent = pipe_commands({docker, "save", image},
                                         with(docker_cli(engine, docker), {"load"}), kSendTimeout);
  delivery.bytes = sent.bytes;
  delivery.seconds = seconds_since(start);
  if (sent.timed_out || !sent.producer.success() || !sent.consumer.success()) {
    throw SandboxError(fmt::format("engine {}: sending image {} failed{}", engine.name(), image,
                                   pipe_failure(sent, "docker save", "docker load")));
  }
  const std::optional<std::string> there = engine_image_id(engine, image, docker);
  if (there != local) {
    throw SandboxError("engine " + engine.name() + ": after docker load, image " + image +
                       " has ID " + there.value_or("(none)") + ", not " + *local);
  }
  delivery.sent = true;
  say(fmt::format("engine {}: image {} sent: {:.0f} MB in {:.1f} s", engine.name(), image,
                  megabytes(delivery.bytes), delivery.seconds));
  return delivery;
}

std::vector<std::string> runtime_toolchains(const RuntimeContents& contents) {
  const fs::path dir = contents.rustup_home / "toolchains";
  std::vector<std::string> installed;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_directory(error)) installed.push_back(entry.path().filename().string());
  }
  std::sort(installed.begin(), installed.end());
  if (installed.empty()) {
    throw SandboxError("no toolchains in " + dir.string() + ": install one with rustup");
  }
  if (contents.toolchains.empty()) return installed;
  std::vector<std::string> chosen;
  for (const std::string& wanted : contents.toolchains) {
    bool found = false;
    for (const std::string& name : installed) {
      // "stable" is "stable-<host>"; "nightly" is not "nightly-2024-05-01-<host>".
      const bool match = name == wanted ||
                         (name.starts_with(wanted + "-") && name.size() > wanted.size() + 1 &&
                          std::isdigit(static_cast<unsigned char>(name[wanted.size() + 1])) == 0);
      if (match && std::find(chosen.begin(), chosen.end(), name) == chosen.end()) {
        chosen.push_back(name);
        found = true;
      } else if (match) {
        found = true;
      }
    }
    if (!found) {
      std::string list;
      for (const std::string& name : installed) list += (list.empty() ? "" : ", ") + name;
      throw SandboxError("toolchain '" + wanted + "' is not installed in " + dir.string() +
                         " (there: " + list + ")");
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<std::string> runtime_tar_command(const RuntimeContents& contents) {
  return runtime_tar(contents, runtime_toolchains(contents));
}

std::string runtime_volume_name(const RuntimeContents& contents) {
  return "cah-runtime-" +
         registry::sha256(runtime_identity(contents, runtime_toolchains(contents))).substr(0, 16);
}

namespace {

/// How often a delivery whose filler failed (most often: it lost the race
/// for the filler's name to another delivery) looks again.
constexpr int kFillAttempts = 5;

Delivery deliver_runtime_attempt(const EngineSpec& engine, const std::string& image,
                                 const RuntimeContents& contents, const Say& say,
                                 const std::string& docker, int attempt) {
  const std::vector<std::string> toolchains = runtime_toolchains(contents);
  const std::string volume =
      "cah-runtime-" + registry::sha256(runtime_identity(contents, toolchains)).substr(0, 16);
  Delivery delivery{.name = volume};
  const std::vector<std::string> cli = docker_cli(engine, docker);
  const std::string mount = volume + ":/dst";

  // A volume with the marker is complete: nothing to do.
  const CommandOutput inspected =
      run_to_end(with(cli, {"volume", "inspect", "--format", "{{.Name}}", volume}), kAskTimeout);
  if (inspected.status.success()) {
    if (marked_complete(cli, image, volume)) return delivery;
  } else if (inspected.timed_out || inspected.err.find("o such volume") == std::string::npos) {
    throw SandboxError("engine " + engine.name() + ": cannot inspect volume " + volume + ": " +
                       (inspected.timed_out ? "no answer" : trimmed(inspected.err)));
  } else {
    const CommandOutput created =
        run_to_end(with(cli, {"volume", "create", "--label", "crater-at-home.runtime=1", volume}),
                   kAskTimeout);
    if (!created.status.success()) {
      throw SandboxError("engine " + engine.name() + ": cannot create volume " + volume + ": " +
                         trimmed(created.err));
    }
  }

  std::string names;
  for (const std::string& name : toolchains) names += (names.empty() ? "" : ", ") + name;
  say(fmt::format("engine {}: filling runtime volume {} (the agent, {})", engine.name(), volume,
                  names));
  const Clock::time_point start = Clock::now();
  // Another delivery (another run's) filling this volume now: wait for it.
  const std::string filler = volume + "-fill";
  if (wait_for(cli, filler, engine, say) && marked_complete(cli, image, volume)) return delivery;
  // Whatever an interrupted delivery left goes first. Only a stopped
  // filler is removed (no -f): the name is the lock between deliveries, a
  // running one is never killed.
  run_to_end(with(cli, {"rm", "-v", filler}), kAskTimeout);
  std::string marker_template = (fs::temp_directory_path() / "cah-runtime-marker-XXXXXX").string();
  if (mkdtemp(marker_template.data()) == nullptr) {
    throw SandboxError("cannot make a temporary folder: " + std::string(std::strerror(errno)));
  }
  const fs::path marker_dir = marker_template;
  std::ofstream(marker_dir / kRuntimeMarker) << volume;
  const PipeOutcome sent =
      pipe_commands(runtime_tar(contents, toolchains, marker_dir),
                    with(cli, {"run", "-i", "--rm", "--name", filler, "--network", "none",
                               "--read-only", "-v", mount, "--entrypoint", "sh", image, "-c",
                               "rm -rf /dst/* /dst/.[!.]* && exec tar -x -f - -C /dst"}),
                    kSendTimeout);
  std::error_code ignored;
  fs::remove_all(marker_dir, ignored);
  delivery.bytes = sent.bytes;
  if (sent.timed_out || !sent.producer.success() || !sent.consumer.success()) {
    // Another delivery that started at the same moment has the filler's
    // name: its volume is as good, once it is done.
    wait_for(cli, filler, engine, say);
    if (sent.consumer.success()) {
      // Our tar failed (a file it could not read) yet the stream went on
      // to the marker: the volume is not whole.
      run_to_end(
          with(cli, {"run", "--rm", "--network", "none", "--read-only", "-v", mount, "--entrypoint",
                     "rm", image, "-f", std::string("/dst/") + kRuntimeMarker}),
          kAskTimeout);
    } else if (marked_complete(cli, image, volume)) {
      return delivery;
    } else if (!sent.timed_out && attempt < kFillAttempts) {
      // The other delivery was not done yet, or failed, or took our
      // filler from under us: look again.
      say(fmt::format("engine {}: filling runtime volume {} failed ({}); again", engine.name(),
                      volume, sent.consumer.describe()));
      return deliver_runtime_attempt(engine, image, contents, say, docker, attempt + 1);
    }
    throw SandboxError(fmt::format("engine {}: filling runtime volume {} failed{}", engine.name(),
                                   volume, pipe_failure(sent, "tar", "docker run")));
  }
  delivery.sent = true;
  delivery.seconds = seconds_since(start);
  say(fmt::format("engine {}: runtime volume {} filled: {:.0f} MB in {:.1f} s", engine.name(),
                  volume, megabytes(delivery.bytes), delivery.seconds));
  return delivery;
}

}  // namespace

Delivery deliver_runtime(const EngineSpec& engine, const std::string& image,
                         const RuntimeContents& contents, const Say& say,
                         const std::string& docker) {
  return deliver_runtime_attempt(engine, image, contents, say, docker, 1);
}

}  // namespace sandbox
