#include "queue/crate_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "queue/tool_setup.h"

namespace queue {
namespace {

using std::chrono::seconds;

tools::ToolSet tool_set() {
  return tools::ToolSet::parse(R"(
[tools.asan]
toolchain = "nightly"
timeout = "1h"
no_output_timeout = "15m"
env = { RUSTFLAGS = "-Zsanitizer=address" }

[[tools.asan.commands]]
args = ["cargo", "+{toolchain}", "test", "--no-run", "--target", "{target}", "{crate_args}"]
show_output = false
timeout = "2h"

[[tools.asan.commands]]
args = ["cargo", "+{toolchain}", "test", "--target", "{target}", "{crate_args}"]
)",
                               "test.toml");
}

agent::Source source() { return {agent::Source::Kind::kDirectory, "/crates/a-1.0.0"}; }

TEST(CrateJob, FillsInTheToolButLeavesCrateArgsToTheAgent) {
  const agent::Job job = crate_job(tool_set().get("asan"), "a", "1.0.0", source(),
                                   {.target = "x86_64-unknown-linux-gnu"});
  EXPECT_EQ(job.crate, "a");
  EXPECT_EQ(job.version, "1.0.0");
  EXPECT_EQ(job.source, source());
  EXPECT_EQ(job.toolchain, "nightly");
  ASSERT_EQ(job.commands.size(), 2u);
  EXPECT_EQ(job.commands[0].argv,
            (std::vector<std::string>{"cargo", "+nightly", "test", "--no-run", "--target",
                                      "x86_64-unknown-linux-gnu", "{crate_args}"}));
  EXPECT_FALSE(job.commands[0].show_output);
  EXPECT_TRUE(job.commands[1].show_output);
  EXPECT_EQ(job.env.at("RUSTFLAGS"), "-Zsanitizer=address");
  EXPECT_EQ(job.commands[0].timeout_seconds, 7200u);  // the command's own
  EXPECT_EQ(job.commands[1].timeout_seconds, 3600u);  // the tool's
  EXPECT_EQ(job.timeouts.no_output_seconds, 900u);
  EXPECT_EQ(job.timeouts.wall_seconds, 10800u);  // the sum
}

TEST(CrateJob, TheCommandLineOverridesTheTool) {
  const agent::Job job = crate_job(tool_set().get("asan"), "a", "1.0.0", source(),
                                   {.target = "aarch64-unknown-linux-gnu",
                                    .toolchain = "nightly-2024-05-01",
                                    .timeout = seconds(90),
                                    .no_output_timeout = seconds(30)});
  EXPECT_EQ(job.toolchain, "nightly-2024-05-01");
  EXPECT_EQ(job.commands[1].argv[1], "+nightly-2024-05-01");
  EXPECT_EQ(job.commands[1].argv[4], "aarch64-unknown-linux-gnu");
  EXPECT_EQ(job.commands[0].timeout_seconds, 90u);
  EXPECT_EQ(job.commands[1].timeout_seconds, 90u);
  EXPECT_EQ(job.timeouts.no_output_seconds, 30u);
  EXPECT_EQ(job.timeouts.wall_seconds, 180u);
}

TEST(CrateJob, ATargetIsNeededWhenTheToolUsesIt) {
  EXPECT_THROW(crate_job(tool_set().get("asan"), "a", "1.0.0", source(), {}),
               std::invalid_argument);
}

TEST(CrateJob, CarriesAvailabilityAndTheSetupFolder) {
  const tools::ToolSet tools = tools::ToolSet::parse(R"(
[tools.m]
toolchain = "nightly"
timeout = "1h"
no_output_timeout = "15m"
env = { MIRI_SYSROOT = "{setup}/miri-sysroot" }

[[tools.m.setup]]
args = ["cargo", "+{toolchain}", "miri", "setup"]

[[tools.m.commands]]
args = ["cargo", "miri", "nextest", "run", "{crate_args}"]
when_available = "cargo-nextest"

[[tools.m.commands]]
args = ["cargo", "miri", "test", "{crate_args}"]
unless_available = "cargo-nextest"
)",
                                                     "m.toml");
  const agent::Job job = crate_job(tools.get("m"), "a", "1.0.0", source(), {});
  ASSERT_EQ(job.commands.size(), 2u);  // the setup is not the crate's
  EXPECT_EQ(job.commands[0].when_available, "cargo-nextest");
  EXPECT_EQ(job.commands[0].unless_available, "");
  EXPECT_EQ(job.commands[1].unless_available, "cargo-nextest");
  EXPECT_EQ(job.env.at("MIRI_SYSROOT"), "/opt/setup/miri-sysroot");
}

TEST(ToolSetup, TheVolumeIsNamedFromWhatTheSetupDependsOn) {
  const std::string name = setup_volume_name("miri", R"({"image":"sha256:1"})");
  EXPECT_THAT(name, ::testing::MatchesRegex("cah-setup-miri-[0-9a-f]{16}"));
  EXPECT_EQ(setup_volume_name("miri", R"({"image":"sha256:1"})"), name);
  EXPECT_NE(setup_volume_name("miri", R"({"image":"sha256:2"})"), name);
  EXPECT_THAT(setup_volume_name("asan", R"({"image":"sha256:1"})"),
              ::testing::StartsWith("cah-setup-asan-"));
}

TEST(DirectoryRegistryConfig, ReplacesCratesIoOffline) {
  EXPECT_EQ(directory_registry_config("/usr/share/cargo/registry"),
            "[source.crates-io]\nreplace-with = \"crater-at-home\"\n\n"
            "[source.crater-at-home]\ndirectory = \"/usr/share/cargo/registry\"\n\n"
            "[net]\noffline = true\n");
}

TEST(DirectoryRegistryConfig, QuotesAnyPath) {
  EXPECT_THAT(directory_registry_config("/a \"b\"\\c"),
              ::testing::HasSubstr("directory = \"/a \\\"b\\\"\\\\c\"\n"));
}

TEST(HostTarget, IsALinuxGnuTriple) {
  EXPECT_THAT(host_target(), ::testing::EndsWith("-unknown-linux-gnu"));
}

}  // namespace
}  // namespace queue
