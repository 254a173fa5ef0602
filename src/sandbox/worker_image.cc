#include "sandbox/worker_image.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sandbox {

namespace fs = std::filesystem;

fs::path image_recipe_dir() {
  std::error_code error;
  if (fs::is_directory(CAH_SOURCE_DOCKER_DIR, error)) return CAH_SOURCE_DOCKER_DIR;
  return CAH_INSTALLED_DOCKER_DIR;
}

std::vector<std::string> image_build_command(const ImageBuild& build) {
  const fs::path dir = image_recipe_dir();
  if (build.dockerfile) {
    const std::string tag = build.tag.empty() ? "bookworm" : build.tag;
    std::vector<std::string> argv = {build.docker, "build", "-t", "crater-at-home-worker:" + tag};
    if (build.rebuild) argv.emplace_back("--no-cache");
    argv.push_back(dir.string());
    return argv;
  }
  std::vector<std::string> argv = {(dir / "make-image-offline").string()};
  if (build.from_host) argv.emplace_back("--from-host");
  if (build.rebuild) argv.emplace_back("--rebuild");
  if (!build.tag.empty()) argv.insert(argv.end(), {"--tag", build.tag});
  return argv;
}

bool is_host_image(const std::string& image) {
  const size_t colon = image.rfind(':');
  return colon != std::string::npos && image.substr(colon + 1).starts_with("host");
}

std::vector<std::string> host_mount_args() {
  const fs::path file = image_recipe_dir() / "host-mounts.txt";
  std::ifstream in(file);
  if (!in) {
    throw std::runtime_error(
        "no " + file.string() +
        ": build the host image with `crater-at-home image build --from-host`");
  }
  std::vector<std::string> args;
  for (std::string word; in >> word;) args.push_back(word);
  return args;
}

}  // namespace sandbox
