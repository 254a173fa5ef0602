// Delivery to the engines scripts/start-engines starts, and a worker that
// runs there from its runtime volume with no bind mount of a server path.
// scripts/test starts the engines; a test whose engine is not in the
// environment is skipped. The worker image and the real runtime volume are
// left on the engines (a later delivery finds them); what a test makes for
// itself it removes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "sandbox/child_process.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/engine_delivery.h"
#include "testing/engines.h"

namespace sandbox {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::chrono::seconds kTimeout{120};

using testing_engines::engine_missing;
using testing_engines::env;
using testing_engines::worker_image;

void say(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

std::vector<std::string> with(std::vector<std::string> cli,
                              std::initializer_list<std::string> args) {
  cli.insert(cli.end(), args);
  return cli;
}

CommandOutput run(const std::vector<std::string>& argv) { return run_to_end(argv, kTimeout); }

/// A folder of this test's own.
fs::path scratch(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("cah-delivery-test-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// A tiny image of one file, imported under `tag` on the local engine.
void import_tiny_image(const std::string& tag, const std::string& content) {
  const fs::path dir = scratch("image");
  std::ofstream(dir / "hello") << content;
  const PipeOutcome imported = pipe_commands({"tar", "-c", "-f", "-", "-C", dir.string(), "hello"},
                                             {"docker", "import", "-", tag}, kTimeout);
  fs::remove_all(dir);
  ASSERT_TRUE(imported.consumer.success()) << imported.consumer_err;
}

TEST(DeliverImage, SendsAnImageOnlyWhenItsIdDiffers) {
  const std::string url = env("CAH_ENGINE_D2");
  if (engine_missing("CAH_ENGINE_D2")) GTEST_SKIP();
  const EngineSpec d2 = parse_engine(url);
  const std::string tag = "cah-delivery-test-" + std::to_string(getpid()) + ":tiny";
  import_tiny_image(tag, "one");
  const std::optional<std::string> local = engine_image_id(EngineSpec{}, tag);
  ASSERT_TRUE(local);
  EXPECT_EQ(engine_image_id(d2, tag), std::nullopt);

  Delivery first = deliver_image(d2, tag, say);
  EXPECT_TRUE(first.sent);
  EXPECT_GT(first.bytes, 1000u);  // a docker save archive of one small file
  EXPECT_EQ(first.name, *local);
  EXPECT_EQ(engine_image_id(d2, tag), local);
  EXPECT_FALSE(deliver_image(d2, tag, say).sent);
  // Nothing to send to the local engine.
  EXPECT_FALSE(deliver_image(EngineSpec{}, tag, say).sent);

  // Another image under the same name is sent again.
  import_tiny_image(tag, "two");
  const std::optional<std::string> changed = engine_image_id(EngineSpec{}, tag);
  ASSERT_NE(changed, local);
  EXPECT_TRUE(deliver_image(d2, tag, say).sent);
  EXPECT_EQ(engine_image_id(d2, tag), changed);

  // Both images, by ID: the first lost its name to the second.
  run({"docker", "image", "rm", tag, *local});
  run(with(docker_cli(d2), {"image", "rm", tag, *local}));
}

TEST(DeliverImage, SaysWhatIsMissing) {
  try {
    deliver_image(parse_engine("unix:///nonexistent/cah.sock"), "cah-no-such-image:none", say);
    ADD_FAILURE() << "delivered";
  } catch (const SandboxError& error) {
    EXPECT_THAT(error.what(), HasSubstr("no image cah-no-such-image:none on the local engine"));
  }
  try {
    deliver_image(parse_engine("unix:///nonexistent/cah.sock"), worker_image(), say);
    ADD_FAILURE() << "delivered";
  } catch (const SandboxError& error) {
    EXPECT_THAT(error.what(), HasSubstr("engine unix:///nonexistent/cah.sock: cannot inspect"));
    EXPECT_THAT(error.what(), HasSubstr("Cannot connect to the Docker daemon"));
  }
}

/// A runtime of the real agent and a toolchain of two small files.
RuntimeContents small_runtime(const fs::path& dir) {
  const fs::path toolchain = dir / "rustup/toolchains/stable-x86_64-unknown-linux-gnu";
  fs::create_directories(toolchain / "bin");
  fs::create_directories(toolchain / "lib/rustlib");
  std::ofstream(toolchain / "bin/rustc") << "rustc " << getpid();
  std::ofstream(toolchain / "lib/rustlib/multirust-channel-manifest.toml") << getpid();
  fs::create_directories(dir / "cargo-bin");
  std::ofstream(dir / "cargo-bin/rustup") << "rustup";
  fs::create_symlink("rustup", dir / "cargo-bin/cargo");
  return RuntimeContents{
      .agent = CAH_AGENT_BINARY, .rustup_home = dir / "rustup", .cargo_bin = dir / "cargo-bin"};
}

TEST(DeliverRuntime, AVolumeWithoutItsMarkerIsFilledAgain) {
  const std::string url = env("CAH_ENGINE_D2");
  if (engine_missing("CAH_ENGINE_D2")) GTEST_SKIP();
  const EngineSpec d2 = parse_engine(url);
  ASSERT_NO_THROW(deliver_image(d2, worker_image(), say));
  const fs::path dir = scratch("runtime");
  const RuntimeContents contents = small_runtime(dir);
  const std::string volume = runtime_volume_name(contents);

  const Delivery first = deliver_runtime(d2, worker_image(), contents, say);
  EXPECT_TRUE(first.sent);
  EXPECT_EQ(first.name, volume);
  EXPECT_FALSE(deliver_runtime(d2, worker_image(), contents, say).sent);

  const std::vector<std::string> in_volume =
      with(docker_cli(d2), {"run", "--rm", "--network", "none", "-v", volume + ":/dst",
                            "--entrypoint", "sh", worker_image(), "-c"});
  // What a delivery cut short leaves: no marker, and a stray file.
  ASSERT_TRUE(
      run(with(in_volume, {"rm /dst/.cah-runtime-complete && touch /dst/stray"})).status.success());
  EXPECT_TRUE(deliver_runtime(d2, worker_image(), contents, say).sent);
  const CommandOutput listed = run(with(
      in_volume, {"cat /dst/rustup/toolchains/stable-x86_64-unknown-linux-gnu/bin/rustc; echo; "
                  "readlink /dst/cargo-bin/cargo; ls /dst; cat /dst/.cah-runtime-complete"}));
  EXPECT_EQ(listed.out,
            "rustc " + std::to_string(getpid()) + "\nrustup\nagent\ncargo-bin\nrustup\n" + volume);
  run(with(docker_cli(d2), {"volume", "rm", volume}));
  fs::remove_all(dir);
}

TEST(DeliverRuntime, TwoDeliveriesAtOnceMakeOneVolume) {
  if (engine_missing("CAH_ENGINE_D2")) GTEST_SKIP();
  const EngineSpec d2 = parse_engine(env("CAH_ENGINE_D2"));
  ASSERT_NO_THROW(deliver_image(d2, worker_image(), say));
  const fs::path dir = scratch("concurrent");
  const RuntimeContents contents = small_runtime(dir);
  std::vector<std::future<Delivery>> deliveries;
  deliveries.reserve(2);
  for (int i = 0; i < 2; ++i) {
    deliveries.push_back(std::async(
        std::launch::async, [&] { return deliver_runtime(d2, worker_image(), contents, say); }));
  }
  int sent = 0;
  for (auto& delivery : deliveries) {
    Delivery done;
    ASSERT_NO_THROW(done = delivery.get());
    sent += done.sent ? 1 : 0;
  }
  EXPECT_GE(sent, 1);
  EXPECT_FALSE(deliver_runtime(d2, worker_image(), contents, say).sent);
  run(with(docker_cli(d2), {"volume", "rm", runtime_volume_name(contents)}));
  fs::remove_all(dir);
}

/// Waits until the container runs; false after a minute.
bool running(const std::vector<std::string>& cli, const std::string& name) {
  for (int i = 0; i < 300; ++i) {
    const CommandOutput state = run(with(cli, {"inspect", "--format", "{{.State.Running}}", name}));
    if (state.out == "true\n") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

/// The real runtime (the agent, stable) on `engine`, a worker started there
/// from it, and what its container has mounted.
void remote_worker_has_no_bind_mount(const EngineSpec& engine) {
  const RuntimeContents contents{.agent = CAH_AGENT_BINARY,
                                 .rustup_home = default_rustup_home(),
                                 .cargo_bin = default_cargo_bin(),
                                 .toolchains = {"stable"}};
  ASSERT_NO_THROW(deliver_image(engine, worker_image(), say));
  Delivery runtime;
  ASSERT_NO_THROW(runtime = deliver_runtime(engine, worker_image(), contents, say));
  EXPECT_FALSE(deliver_runtime(engine, worker_image(), contents, say).sent);

  // The toolchain runs from the volume, in a sandbox.
  const std::vector<std::string> cli = docker_cli(engine);
  const CommandOutput cargo =
      run(with(cli, {"run", "--rm", "--network", "none", "--read-only", "-v",
                     runtime.name + ":/opt/crater-at-home-runtime:ro", "-e",
                     "RUSTUP_HOME=/opt/crater-at-home-runtime/rustup", "-e",
                     "PATH=/opt/crater-at-home-runtime/cargo-bin:/usr/bin:/bin", worker_image(),
                     "cargo", "+stable", "--version"}));
  EXPECT_THAT(cargo.out, StartsWith("cargo 1.")) << cargo.err;

  const DockerSandbox remote(DockerOptions{
      .docker = cli,
      .image = worker_image(),
      .memory_bytes = uint64_t{1} << 30,
      .cpus = 1,
      .name_prefix = "cah-test-" + std::to_string(getpid()) + "-remote",
      .runtime_volume = runtime.name,
  });
  ASSERT_NO_THROW(remote.check());
  const std::unique_ptr<Worker> worker = remote.start(0);
  ASSERT_TRUE(running(cli, remote.container_name(0)));
  const CommandOutput inspected =
      run(with(cli, {"inspect", "--format", "{{json .Mounts}} {{json .HostConfig}}",
                     remote.container_name(0)}));
  const size_t space = inspected.out.find(' ');
  const nlohmann::json mounts = nlohmann::json::parse(inspected.out.substr(0, space));
  const nlohmann::json host = nlohmann::json::parse(inspected.out.substr(space + 1));
  ASSERT_EQ(mounts.size(), 3u) << mounts.dump();  // /build, /cargo, the runtime
  for (const nlohmann::json& mount : mounts) {
    EXPECT_EQ(mount["Type"], "volume") << mount.dump();
    if (mount["Destination"] == "/opt/crater-at-home-runtime") {
      EXPECT_EQ(mount["Name"], runtime.name);
      EXPECT_EQ(mount["RW"], false);
    }
  }
  EXPECT_TRUE(host["Binds"].is_null() || host["Binds"].empty()) << host["Binds"].dump();
  EXPECT_EQ(host["ReadonlyRootfs"], true);
  EXPECT_EQ(host["NetworkMode"], "none");
  EXPECT_EQ(host["Memory"], int64_t{1} << 30);
  worker->stop();
  remote.remove_all();
  // Its own /build and /cargo volumes went with it; the runtime stays.
  for (const nlohmann::json& mount : mounts) {
    const std::string name = mount["Name"];
    const bool gone =
        run(with(cli, {"volume", "inspect", name})).err.find("o such volume") != std::string::npos;
    EXPECT_EQ(gone, name != runtime.name) << name;
  }
}

TEST(DeliverRuntime, AWorkerOnASecondDockerdHasNoBindMount) {
  const std::string url = env("CAH_ENGINE_D2");
  if (engine_missing("CAH_ENGINE_D2")) GTEST_SKIP();
  remote_worker_has_no_bind_mount(parse_engine(url));
}

TEST(DeliverRuntime, AWorkerOverSshHasNoBindMount) {
  const std::string url = env("CAH_ENGINE_SSH");
  if (engine_missing("CAH_ENGINE_SSH")) GTEST_SKIP();
  remote_worker_has_no_bind_mount(parse_engine(url));
}

}  // namespace
}  // namespace sandbox
