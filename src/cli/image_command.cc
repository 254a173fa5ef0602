// `crater-at-home image build`: makes the worker image every sandbox runs.
// `crater-at-home image check`: starts one sandbox to show that the engine,
// the image, the agent and the toolchain mounts all work together.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "sandbox/child_process.h"
#include "sandbox/docker_sandbox.h"
#include "sandbox/worker_image.h"

namespace cli {
namespace {

int build_image(const sandbox::ImageBuild& build) {
  const std::vector<std::string> argv = sandbox::image_build_command(build);
  std::string shown;
  for (const auto& arg : argv) shown += (shown.empty() ? "" : " ") + arg;
  std::fprintf(stderr, "crater-at-home: %s\n", shown.c_str());
  // The build prints its own progress; pass our terminal through.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    execvp(args[0], args.data());
    std::fprintf(stderr, "crater-at-home: cannot run %s\n", args[0]);
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return 1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  std::fprintf(stderr, "crater-at-home: error: the image build failed\n");
  return 1;
}

int check_image(const sandbox::DockerOptions& options) {
  const sandbox::DockerSandbox docker(options);
  docker.check();
  std::printf("ok: image %s starts, with the agent %s and toolchains from %s\n",
              options.image.c_str(), docker.options().agent.c_str(),
              docker.options().rustup_home.c_str());
  return 0;
}

}  // namespace

void add_image_command(CLI::App& app, int& exit_status) {
  CLI::App* image = app.add_subcommand("image", "Build or check the worker image");
  image->require_subcommand(1);

  auto build = std::make_shared<sandbox::ImageBuild>();
  CLI::App* build_command = image->add_subcommand(
      "build",
      "Build the worker image: offline from the Debian archive (debootstrap), or from the "
      "host's own files, or with docker build where a registry is reachable");
  build_command->add_flag("--from-host", build->from_host,
                          "A tiny image that borrows the host's /usr (fast; for local tests)");
  build_command->add_flag("--dockerfile", build->dockerfile,
                          "docker build from docker/Dockerfile (needs a container registry)");
  build_command->add_flag("--rebuild", build->rebuild, "Replace an existing image");
  build_command->add_option("--tag", build->tag, "crater-at-home-worker:TAG");
  build_command->get_option("--dockerfile")->excludes("--from-host");
  build_command->callback([build, &exit_status] { exit_status = build_image(*build); });

  auto options = std::make_shared<sandbox::DockerOptions>();
  CLI::App* check_command =
      image->add_subcommand("check", "Start one sandbox with the agent inside, then remove it");
  check_command->add_option("--image", options->image, "The worker image")->capture_default_str();
  check_command->add_option("--agent", options->agent, "The agent binary (default: beside us)");
  check_command->callback([options, &exit_status] {
    if (sandbox::is_host_image(options->image)) options->run_args = sandbox::host_mount_args();
    exit_status = check_image(*options);
  });
}

}  // namespace cli
