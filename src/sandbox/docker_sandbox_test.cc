#include "sandbox/docker_sandbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace sandbox {
namespace {

using ::testing::Contains;
using ::testing::Not;

DockerOptions options() {
  return DockerOptions{
      .docker = "docker",
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
  EXPECT_THAT(argv, Contains("--read-only"));
  EXPECT_EQ(value_of(argv, "--network"), "none");
  EXPECT_EQ(value_of(argv, "--cpuset-cpus"), "1");  // 5 mod 4
  EXPECT_EQ(value_of(argv, "--memory"), "2147483648");
  EXPECT_EQ(value_of(argv, "--memory-swap"), "2147483648");
  EXPECT_EQ(value_of(argv, "--pids-limit"), "256");
  EXPECT_EQ(value_of(argv, "--security-opt"), "no-new-privileges");
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
  broken.docker = "false";  // a docker CLI that always fails
  try {
    DockerSandbox(broken).check();
    FAIL() << "check passed";
  } catch (const SandboxError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reach the Docker engine"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sandbox
