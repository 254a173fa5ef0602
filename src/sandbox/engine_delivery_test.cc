#include "sandbox/engine_delivery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sandbox/sandbox.h"

namespace sandbox {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(PipeCommands, PassesAndCountsEveryByte) {
  const PipeOutcome outcome =
      pipe_commands({"head", "-c", "3000001", "/dev/zero"}, {"wc", "-c"}, std::chrono::seconds(30));
  EXPECT_TRUE(outcome.producer.success());
  EXPECT_TRUE(outcome.consumer.success());
  EXPECT_EQ(outcome.bytes, 3000001u);
  EXPECT_EQ(outcome.consumer_out, "3000001\n");
  EXPECT_FALSE(outcome.timed_out);
}

TEST(PipeCommands, AConsumerThatDiesEarlyEndsItWithoutKillingUs) {
  const PipeOutcome outcome =
      pipe_commands({"sh", "-c", "exec cat /dev/zero"},
                    {"sh", "-c", "head -c 10 >/dev/null; echo gone >&2"}, std::chrono::seconds(30));
  EXPECT_FALSE(outcome.producer.success());
  EXPECT_TRUE(outcome.consumer.success());
  EXPECT_EQ(outcome.consumer_err, "gone\n");
  EXPECT_FALSE(outcome.timed_out);
}

TEST(PipeCommands, SaysHowEachEnded) {
  const PipeOutcome outcome =
      pipe_commands({"sh", "-c", "echo partial; echo 'no such image' >&2; exit 3"},
                    {"sh", "-c", "cat >/dev/null; exit 4"}, std::chrono::seconds(30));
  EXPECT_EQ(outcome.producer.exit_code, 3);
  EXPECT_EQ(outcome.consumer.exit_code, 4);
  EXPECT_EQ(outcome.producer_err, "no such image\n");
  EXPECT_EQ(outcome.bytes, 8u);
}

TEST(PipeCommands, GivesUpAfterTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const PipeOutcome outcome =
      pipe_commands({"sleep", "30"}, {"cat"}, std::chrono::milliseconds(300));
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

/// A rustup home, a cargo bin folder and an agent in a temporary folder.
class Runtime : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cah-runtime-test-" + std::to_string(getpid()));
    fs::remove_all(root_);
    contents_.agent = root_ / "bin" / "crater-at-home-agent";
    contents_.rustup_home = root_ / "rustup";
    contents_.cargo_bin = root_ / "cargo" / "bin";
    write(contents_.agent, "agent v1");
    write(contents_.rustup_home / "settings.toml", "default_toolchain = \"stable\"\n");
    for (const char* name : {"stable-x86_64-unknown-linux-gnu", "nightly-x86_64-unknown-linux-gnu",
                             "nightly-2024-05-01-x86_64-unknown-linux-gnu"}) {
      const fs::path toolchain = contents_.rustup_home / "toolchains" / name;
      write(toolchain / "bin" / "rustc", std::string("rustc of ") + name);
      write(toolchain / "lib/rustlib/multirust-channel-manifest.toml",
            std::string("manifest of ") + name);
      write(toolchain / "lib/rustlib/components", "rustc\ncargo\n");
      write(toolchain / "share/doc/rust/html/index.html", "docs");
    }
    write(contents_.cargo_bin / "rustup", "rustup itself");
    fs::create_symlink("rustup", contents_.cargo_bin / "cargo");
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
  }

  fs::path root_;
  RuntimeContents contents_;
};

TEST_F(Runtime, ToolchainsByTheNamesRustupUses) {
  EXPECT_EQ(runtime_toolchains(contents_),
            (std::vector<std::string>{"nightly-2024-05-01-x86_64-unknown-linux-gnu",
                                      "nightly-x86_64-unknown-linux-gnu",
                                      "stable-x86_64-unknown-linux-gnu"}));
  contents_.toolchains = {"stable", "nightly"};
  EXPECT_EQ(runtime_toolchains(contents_),
            (std::vector<std::string>{"nightly-x86_64-unknown-linux-gnu",
                                      "stable-x86_64-unknown-linux-gnu"}));
  contents_.toolchains = {"nightly-2024-05-01", "stable-x86_64-unknown-linux-gnu"};
  EXPECT_EQ(runtime_toolchains(contents_),
            (std::vector<std::string>{"nightly-2024-05-01-x86_64-unknown-linux-gnu",
                                      "stable-x86_64-unknown-linux-gnu"}));
  contents_.toolchains = {"beta"};
  try {
    runtime_toolchains(contents_);
    ADD_FAILURE() << "beta was found";
  } catch (const SandboxError& error) {
    EXPECT_THAT(error.what(), HasSubstr("toolchain 'beta' is not installed"));
    EXPECT_THAT(error.what(), HasSubstr("stable-x86_64-unknown-linux-gnu"));
  }
}

TEST_F(Runtime, TheVolumeIsNamedByWhatItHolds) {
  contents_.toolchains = {"stable"};
  const std::string name = runtime_volume_name(contents_);
  EXPECT_THAT(name, MatchesRegex("cah-runtime-[0-9a-f]{16}"));
  EXPECT_EQ(runtime_volume_name(contents_), name);
  // Docs are not delivered, so they do not count.
  write(contents_.rustup_home / "toolchains/stable-x86_64-unknown-linux-gnu/share/doc/new.html",
        "x");
  EXPECT_EQ(runtime_volume_name(contents_), name);
  // Another toolchain is another volume.
  contents_.toolchains = {"stable", "nightly"};
  const std::string both = runtime_volume_name(contents_);
  EXPECT_NE(both, name);
  contents_.toolchains = {"stable"};

  // A new agent, a stable that was updated, a component added, new
  // settings, a new proxy: each is another volume.
  std::set<std::string> names = {name, both};
  write(contents_.agent, "agent v2");
  EXPECT_TRUE(names.insert(runtime_volume_name(contents_)).second);
  write(
      contents_.rustup_home /
          "toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/multirust-channel-manifest.toml",
      "manifest of the next stable");
  EXPECT_TRUE(names.insert(runtime_volume_name(contents_)).second);
  write(contents_.rustup_home / "toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/components",
        "rustc\ncargo\nmiri\n");
  EXPECT_TRUE(names.insert(runtime_volume_name(contents_)).second);
  write(contents_.rustup_home / "settings.toml", "default_toolchain = \"nightly\"\n");
  EXPECT_TRUE(names.insert(runtime_volume_name(contents_)).second);
  fs::create_symlink("rustup", contents_.cargo_bin / "rustc");
  EXPECT_TRUE(names.insert(runtime_volume_name(contents_)).second);
}

TEST_F(Runtime, AToolchainWithoutAManifestIsKnownByItsFiles) {
  const fs::path toolchain = contents_.rustup_home / "toolchains/stable-x86_64-unknown-linux-gnu";
  fs::remove(toolchain / "lib/rustlib/multirust-channel-manifest.toml");
  contents_.toolchains = {"stable"};
  const std::string name = runtime_volume_name(contents_);
  write(toolchain / "share/doc/more.html", "docs do not count");
  EXPECT_EQ(runtime_volume_name(contents_), name);
  write(toolchain / "bin/rustc", "another rustc, of another size");
  EXPECT_NE(runtime_volume_name(contents_), name);
}

TEST_F(Runtime, NoAgentIsAClearError) {
  fs::remove(contents_.agent);
  EXPECT_THROW(runtime_volume_name(contents_), SandboxError);
}

TEST_F(Runtime, TheTarHasTheVolumesLayoutWithoutDocs) {
  contents_.toolchains = {"stable"};
  const PipeOutcome listed = pipe_commands(runtime_tar_command(contents_),
                                           {"tar", "-tv", "-f", "-"}, std::chrono::seconds(30));
  ASSERT_TRUE(listed.producer.success()) << listed.producer_err;
  ASSERT_TRUE(listed.consumer.success()) << listed.consumer_err;
  std::set<std::string> names;
  std::istringstream lines(listed.consumer_out);
  for (std::string line; std::getline(lines, line);) {
    // "lrwxrwxrwx 0/0 0 2026-12-04 17:00 cargo-bin/cargo -> rustup"
    std::istringstream fields(line);
    std::string mode, owner, size, date, time, name, arrow, target;
    fields >> mode >> owner >> size >> date >> time >> name >> arrow >> target;
    EXPECT_EQ(owner, "0/0") << line;
    names.insert(arrow == "->" ? name + " -> " + target : name);
  }
  const std::string rustlib = "rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/";
  EXPECT_EQ(names, (std::set<std::string>{
                       "agent",
                       "rustup/settings.toml",
                       "rustup/toolchains/stable-x86_64-unknown-linux-gnu/",
                       "rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/",
                       "rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/rustc",
                       "rustup/toolchains/stable-x86_64-unknown-linux-gnu/lib/",
                       rustlib,
                       rustlib + "components",
                       rustlib + "multirust-channel-manifest.toml",
                       "rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/",
                       "cargo-bin/",
                       "cargo-bin/rustup",
                       "cargo-bin/cargo -> rustup",
                   }));
}

}  // namespace
}  // namespace sandbox
