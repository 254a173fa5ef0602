#include "sandbox/docker_sandbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sandbox {
namespace {

using ::testing::Contains;
using ::testing::Not;

DockerOptions options() {
  return DockerOptions{
      .docker = {"docker"},
      .image = "worker:test",
      .agent = "/opt/agent",
      .rustup_home = "/home/u/.rustup",
      .cargo_bin = "/home/u/.cargo/bin",
      .mounts = {{"/usr/share/cargo/registry", "/usr/share/cargo/registry"}},
      .memory_bytes = uint64_t{2} << 30,
      .pids_limit = 256,
      .cpus = 4,
      .name_prefix = "cah-test",
      .env = {{"RUST_BACKTRACE", "1"}},
  };
}

/// The value after `flag`, or "" if the flag is absent.
std::string value_of(const std::vector<std::string>& argv, const std::string& flag) {
  const auto it = std::find(argv.begin(), argv.end(), flag);
  return it != argv.end() && it + 1 != argv.end() ? *(it + 1) : "";
}

std::vector<std::string> values_of(const std::vector<std::string>& argv, const std::string& flag) {
  std::vector<std::string> values;
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag) values.push_back(argv[i + 1]);
  }
  return values;
}

/// The limits every worker has, on any engine: worker 5 of options() (4
/// CPUs, 2 GiB, 256 pids).
void expect_limits_of_worker_5(const std::vector<std::string>& argv) {
  EXPECT_THAT(argv, Contains("--read-only"));
  EXPECT_EQ(value_of(argv, "--network"), "none");
  EXPECT_EQ(value_of(argv, "--cpuset-cpus"), "1");  // 5 mod 4
  EXPECT_EQ(value_of(argv, "--memory"), "2147483648");
  EXPECT_EQ(value_of(argv, "--memory-swap"), "2147483648");
  EXPECT_EQ(value_of(argv, "--pids-limit"), "256");
  EXPECT_EQ(value_of(argv, "--security-opt"), "no-new-privileges");
}

TEST(DockerSandbox, StartsALongLivedContainerFedOnStdin) {
  const std::vector<std::string> argv = DockerSandbox(options()).run_command(5);
  ASSERT_GE(argv.size(), 4u);
  EXPECT_EQ(argv[0], "docker");
  EXPECT_EQ(argv[1], "run");
  EXPECT_THAT(argv, Contains("--rm"));
  EXPECT_THAT(argv, Contains("-i"));
  EXPECT_THAT(argv, Not(Contains("-t")));  // the agent makes the ptys
  EXPECT_EQ(value_of(argv, "--name"), "cah-test-5");
  EXPECT_EQ(value_of(argv, "--label"), "crater-at-home.worker=cah-test");
  // The image, then the agent and its arguments, come last.
  const auto image = std::find(argv.begin(), argv.end(), "worker:test");
  ASSERT_NE(image, argv.end());
  EXPECT_EQ(*(image + 1), kAgentPath);
  EXPECT_EQ(argv.back(), "19");  // --nice
}

TEST(DockerSandbox, LimitsTheContainer) {
  const std::vector<std::string> argv = DockerSandbox(options()).run_command(5);
  expect_limits_of_worker_5(argv);
  EXPECT_EQ(values_of(argv, "--tmpfs"),
            (std::vector<std::string>{"/tmp:exec,mode=1777", "/root/.cache:exec"}));
  EXPECT_EQ(values_of(argv, "-v"), (std::vector<std::string>{"/build", "/cargo"}));
}

TEST(DockerSandbox, MountsToolchainsAgentAndRegistryReadOnly) {
  const std::vector<std::string> mounts =
      values_of(DockerSandbox(options()).run_command(0), "--mount");
  EXPECT_EQ(mounts, (std::vector<std::string>{
                        "type=bind,src=/opt/agent,dst=/opt/crater-at-home/agent,readonly",
                        "type=bind,src=/home/u/.rustup,dst=/opt/rustup,readonly",
                        "type=bind,src=/home/u/.cargo/bin,dst=/opt/cargo/bin,readonly",
                        "type=bind,src=/usr/share/cargo/registry,dst=/usr/share/cargo/"
                        "registry,readonly",
                    }));
}

TEST(DockerSandbox, PassesOnlyTheEnvironmentItIsGiven) {
  setenv("AWS_SECRET_ACCESS_KEY", "very-secret", 1);
  const std::vector<std::string> argv = DockerSandbox(options()).run_command(0);
  unsetenv("AWS_SECRET_ACCESS_KEY");
  EXPECT_EQ(values_of(argv, "-e"), (std::vector<std::string>{
                                       "CARGO_HOME=/cargo",
                                       "HOME=/root",
                                       std::string("PATH=/opt/cargo/bin:/usr/local/sbin:/usr/") +
                                           "local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                       "RUSTUP_HOME=/opt/rustup",
                                       "RUST_BACKTRACE=1",
                                   }));
  for (const auto& arg : argv) EXPECT_EQ(arg.find("very-secret"), std::string::npos) << arg;
  EXPECT_THAT(argv, Not(Contains("--env-file")));
}

TEST(DockerSandbox, MountsTheToolSetupVolumeReadOnlyForWorkers) {
  DockerOptions with_setup = options();
  with_setup.setup_volume = "cah-setup-miri-0123456789abcdef";
  const std::vector<std::string> mounts =
      values_of(DockerSandbox(with_setup).run_command(0), "--mount");
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_EQ(mounts.back(),
            "type=volume,src=cah-setup-miri-0123456789abcdef,dst=/opt/setup,readonly");
  // Only the sandbox that makes the setup may write it.
  with_setup.setup_writable = true;
  EXPECT_EQ(values_of(DockerSandbox(with_setup).run_command(0), "--mount").back(),
            "type=volume,src=cah-setup-miri-0123456789abcdef,dst=/opt/setup");
  EXPECT_THAT(values_of(DockerSandbox(options()).run_command(0), "--mount"),
              Not(Contains(::testing::HasSubstr("/opt/setup"))));
}

TEST(DockerSandbox, NetworkOnlyWhenAskedFor) {
  DockerOptions with_network = options();
  with_network.network = true;
  EXPECT_EQ(value_of(DockerSandbox(with_network).run_command(0), "--network"), "bridge");
}

TEST(DockerSandbox, PinsWorkersToTheCpusWeMayUse) {
  DockerOptions all = options();
  all.cpus = 0;
  const DockerSandbox sandbox(all);
  EXPECT_FALSE(value_of(sandbox.run_command(0), "--cpuset-cpus").empty());
}

TEST(DockerSandbox, RelativePathsBecomeAbsolute) {
  DockerOptions relative = options();
  relative.agent = "bin/agent";
  const DockerSandbox sandbox(relative);
  EXPECT_TRUE(sandbox.options().agent.is_absolute());
}

TEST(DockerSandbox, AnEngineThatCannotBeReachedIsAClearError) {
  DockerOptions broken = options();
  broken.docker = {"false"};  // a docker CLI that always fails
  try {
    DockerSandbox(broken).check();
    FAIL() << "check passed";
  } catch (const SandboxError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reach the Docker engine"), std::string::npos)
        << e.what();
  }
}

DockerOptions remote_options() {
  DockerOptions remote = options();
  remote.docker = {"docker", "--host", "ssh://root@box:2222"};
  remote.mounts.clear();
  remote.runtime_volume = "cah-runtime-0123456789abcdef";
  return remote;
}

TEST(DockerSandbox, ARemoteWorkerMountsOnlyTheRuntimeVolume) {
  const std::vector<std::string> argv = DockerSandbox(remote_options()).run_command(5);
  ASSERT_GE(argv.size(), 4u);
  EXPECT_EQ(std::vector<std::string>(argv.begin(), argv.begin() + 4),
            (std::vector<std::string>{"docker", "--host", "ssh://root@box:2222", "run"}));
  EXPECT_EQ(values_of(argv, "--mount"),
            (std::vector<std::string>{"type=volume,src=cah-runtime-0123456789abcdef,dst=/opt/"
                                      "crater-at-home-runtime,readonly"}));
  for (const std::string& arg : argv) {
    EXPECT_EQ(arg.find("type=bind"), std::string::npos) << arg;
    EXPECT_EQ(arg.find("/home/u"), std::string::npos) << arg;  // no server path
    EXPECT_EQ(arg.find("/opt/agent"), std::string::npos) << arg;
  }
  EXPECT_THAT(values_of(argv, "-e"), Contains("RUSTUP_HOME=/opt/crater-at-home-runtime/rustup"));
  EXPECT_THAT(values_of(argv, "-e"),
              Contains(std::string("PATH=/opt/crater-at-home-runtime/cargo-bin:/usr/local/sbin:") +
                       "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  const auto image = std::find(argv.begin(), argv.end(), "worker:test");
  ASSERT_NE(image, argv.end());
  EXPECT_EQ(*(image + 1), "/opt/crater-at-home-runtime/agent");
  // The same guarantees as on the local engine.
  expect_limits_of_worker_5(argv);
}

TEST(DockerSandbox, ARemoteWorkerOfUnknownCpusGetsOneCpusTime) {
  DockerOptions remote = remote_options();
  remote.cpus = 0;
  const std::vector<std::string> argv = DockerSandbox(remote).run_command(3);
  EXPECT_EQ(value_of(argv, "--cpus"), "1");
  EXPECT_THAT(argv, Not(Contains("--cpuset-cpus")));
}

TEST(DockerSandbox, ARemoteWorkerRefusesServerPaths) {
  DockerOptions with_mount = remote_options();
  with_mount.mounts = {{"/var/cache/cah/inbox", "/inbox"}};
  EXPECT_THROW(DockerSandbox{with_mount}, SandboxError);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--mount", "type=bind,src=/usr,dst=/usr,readonly"},
                                             {"--mount=type=bind,src=/usr,dst=/usr"},
                                             {"-v", "/etc/alternatives:/etc/alternatives:ro"},
                                             {"--volume=/usr:/usr"}}) {
    DockerOptions with_args = remote_options();
    with_args.run_args = args;
    EXPECT_THROW(DockerSandbox{with_args}, SandboxError) << args.front();
  }
  // Volumes of the engine's own are fine.
  DockerOptions with_volume = remote_options();
  with_volume.run_args = {"-v", "cah-cache:/cache:ro", "--mount", "type=volume,src=v,dst=/v"};
  EXPECT_NO_THROW(DockerSandbox{with_volume});
}

TEST(DockerSandbox, OptionsForAnEngine) {
  const EngineInfo info{.reachable = true, .server_version = "20.10", .cpus = 64};
  DockerOptions local = options();
  local.run_args = {"--mount", "type=bind,src=/usr,dst=/usr,readonly"};
  const DockerOptions same = options_for_engine(local, parse_engine("local"), info, "");
  EXPECT_EQ(same.docker, std::vector<std::string>{"docker"});
  EXPECT_EQ(same.mounts.size(), 1u);
  EXPECT_FALSE(same.remote());
  EXPECT_EQ(same.cpus, 4u);

  EngineSpec box = parse_engine("ssh://root@box=8");
  box.memory_limit_gb = 1.5;
  const DockerOptions remote = options_for_engine(local, box, info, "cah-runtime-0123");
  EXPECT_EQ(remote.docker, (std::vector<std::string>{"docker", "--host", "ssh://root@box"}));
  EXPECT_TRUE(remote.remote());
  EXPECT_EQ(remote.runtime_volume, "cah-runtime-0123");
  EXPECT_TRUE(remote.mounts.empty());
  EXPECT_TRUE(remote.run_args.empty());
  EXPECT_EQ(remote.cpus, 64u);
  EXPECT_EQ(remote.memory_bytes, uint64_t{3} << 29);
  EXPECT_EQ(remote.image, local.image);
  EXPECT_EQ(remote.name_prefix, local.name_prefix);
  EXPECT_NO_THROW(DockerSandbox{remote});
}

/// A stand-in docker CLI for check(): answers every command but the ones
/// `fail_on` names ("volume", "image").
std::vector<std::string> fake_docker(const std::filesystem::path& dir, const std::string& fail_on) {
  std::filesystem::create_directories(dir);
  const std::filesystem::path script = dir / "docker";
  std::ofstream(script) << "#!/bin/sh\n"
                           "while [ \"$1\" = --host ]; do shift 2; done\n"
                           "case \"$1\" in " +
                               (fail_on.empty() ? std::string("nothing-fails") : fail_on) +
                               ") echo \"Error: No such $1: x\" >&2; exit 1;; esac\n"
                               "echo ok\n";
  chmod(script.c_str(), 0755);
  return {script.string(), "--host", "ssh://root@box"};
}

TEST(DockerSandbox, ARemoteCheckLooksForTheRuntimeVolumeNotTheLocalAgent) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("cah-sandbox-test-" + std::to_string(getpid()));
  DockerOptions remote = remote_options();
  remote.agent = "/nonexistent/agent";
  remote.docker = fake_docker(dir, "");
  EXPECT_NO_THROW(DockerSandbox(remote).check());
  remote.docker = fake_docker(dir, "volume");
  try {
    DockerSandbox(remote).check();
    ADD_FAILURE() << "check passed";
  } catch (const SandboxError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no runtime volume cah-runtime-0123456789abcdef"));
  }
  // The local engine still wants its agent.
  DockerOptions local = options();
  local.agent = "/nonexistent/agent";
  local.docker = {fake_docker(dir, "").front()};
  try {
    DockerSandbox(local).check();
    ADD_FAILURE() << "check passed";
  } catch (const SandboxError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no agent binary at '/nonexistent/agent'"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sandbox
