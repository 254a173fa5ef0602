// A crate built in a container that sees none of our folders, as on a
// remote engine: no /crates, no /deps, no registry mount. Its source and
// dependencies are prepared here into one tar (prepare/bundle.h) that goes
// to the agent in kFiles frames. Needs a Docker engine, the worker image
// and Debian's registry (scripts/test provides them); no network.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "prepare/preparation.h"
#include "queue/crate_job.h"
#include "registry/test_crates.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/worker_image.h"
#include "testing/engines.h"
#include "tools/tool.h"

namespace sandbox {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kRegistry = "/usr/share/cargo/registry";

/// A worker with no mount of ours but the toolchains and the agent.
DockerOptions remote_like_options() {
  DockerOptions options{
      .image = testing_engines::worker_image(),
      .agent = CAH_AGENT_BINARY,
      .mounts = {},
      .memory_bytes = uint64_t{1} << 30,
      .pids_limit = 256,
      .name_prefix = "cah-inline-test-" + std::to_string(getpid()),
  };
  if (is_host_image(options.image)) options.run_args = host_mount_args();
  return options;
}

/// The newest NAME-* folder of Debian's registry: its version.
std::string registry_version(const std::string& name) {
  std::string best;
  for (const auto& entry : fs::directory_iterator(kRegistry)) {
    const std::string folder = entry.path().filename().string();
    if (folder.rfind(name + "-", 0) != 0) continue;
    const std::string version = folder.substr(name.size() + 1);
    if (!version.empty() && std::isdigit(static_cast<unsigned char>(version[0])) != 0 &&
        version > best) {
      best = version;
    }
  }
  return best;
}

class InlineFilesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (sandbox_) sandbox_->remove_all();
  }

  prepare::PreparationResult prepare(const std::string& crate, const std::string& version) {
    prepare::PreparationRequest request{
        .crate = crate,
        .version = version,
        .registry = kRegistry,
        .cache = (dir_ / "cache").string(),
        .staging = (dir_ / "staging").string(),
        .bundle = true,
        .user_agent = "crater-at-home tests",
        .command_timeout_seconds = 120,
    };
    return prepare::prepare_crate(request, [this](std::string_view text) { log_ += text; });
  }

  registry::testing::TempDir dir_;
  std::string log_;
  std::unique_ptr<DockerSandbox> sandbox_;
};

TEST_F(InlineFilesTest, ACrateWithDependenciesBuildsOfflineWithNoFolderOfOursMounted) {
  const std::string crate = "rand_chacha";
  const std::string version = registry_version(crate);
  ASSERT_FALSE(version.empty()) << "no " << crate << " in " << kRegistry;
  const prepare::PreparationResult prepared = prepare(crate, version);
  ASSERT_EQ(prepared.status, prepare::PreparationResult::Status::kReady) << prepared.error << log_;
  ASSERT_FALSE(prepared.bundle.empty());
  EXPECT_EQ(fs::file_size(prepared.bundle), prepared.bundle_bytes);
  EXPECT_THAT(prepared.inline_cargo_config, HasSubstr("\"/cargo/crater-at-home-deps\""));

  sandbox_ = std::make_unique<DockerSandbox>(remote_like_options());
  ASSERT_NO_THROW(sandbox_->check());
  const tools::ToolSet tools = tools::ToolSet::load(CAH_SOURCE_DIR "/tools.toml");
  agent::Job job =
      queue::crate_job(tools.get("build"), crate, version, {agent::Source::Kind::kInline, ""},
                       {.target = queue::host_target(),
                        .timeout = std::chrono::seconds(600),
                        .no_output_timeout = std::chrono::seconds(300),
                        .cargo_config = prepared.inline_cargo_config});
  job.commands.back().argv.emplace_back("--offline");
  // Nothing of ours is there to fall back on.
  job.commands.insert(
      job.commands.begin(),
      agent::CommandSpec{.argv = {"sh", "-c",
                                  "for p in /crates /deps /registry " + std::string(kRegistry) +
                                      "; do test -e $p && echo \"$p is here\"; "
                                      "done; ls $CARGO_HOME/crater-at-home-deps"}});

  std::unique_ptr<Worker> worker = sandbox_->start(0);
  std::string log;
  const Worker::Ending ending = worker->run(
      job, [&](std::string_view bytes) { log += bytes; }, -1, prepared.bundle);
  ASSERT_TRUE(ending.result) << ending.job_error.value_or("") << ending.death.value_or("") << log;
  ASSERT_EQ(ending.result->commands.size(), 2u) << log;
  for (const std::string path : {"/crates", "/deps", "/registry", kRegistry}) {
    EXPECT_THAT(log, Not(HasSubstr(path + " is here"))) << log;
  }
  EXPECT_THAT(log, HasSubstr("ppv-lite86-")) << log;
  EXPECT_EQ(ending.result->commands[1].exit_code, 0) << log;
  // cargo's colours stand between "Compiling" and the name.
  EXPECT_THAT(log, HasSubstr(" ppv-lite86 v")) << log;
  EXPECT_THAT(log, HasSubstr(" rand_core v")) << log;
  EXPECT_THAT(log, HasSubstr(" rand_chacha v" + version + " (/build)")) << log;

  // The same worker then takes a job whose files are refused, and goes on.
  const fs::path hostile = dir_ / "hostile";
  fs::create_directories(hostile / "source");
  fs::create_symlink("/etc/shadow", hostile / "source" / "Cargo.toml");
  ASSERT_EQ(
      std::system(
          ("tar -C " + hostile.string() + " -cf " + hostile.string() + ".tar source").c_str()),
      0);
  const Worker::Ending refused = worker->run(
      job, [](std::string_view) {}, -1, hostile.string() + ".tar");
  ASSERT_TRUE(refused.job_error) << refused.death.value_or("");
  EXPECT_THAT(*refused.job_error, HasSubstr("leads outside"));
  EXPECT_TRUE(worker->alive());
}

}  // namespace
}  // namespace sandbox
