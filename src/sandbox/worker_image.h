#pragma once
// The worker image that every sandbox runs: where its recipe (docker/) is,
// and how to build it. Two kinds: `bookworm`, a full Debian image built
// offline with debootstrap (or from docker/Dockerfile where a registry is
// reachable), and `host`, a skeleton that borrows the host's /usr through
// read-only mounts. See docs/worker-image.md.

#include <filesystem>
#include <string>
#include <vector>

namespace sandbox {

/// docker/ in the source tree we were built from, else the installed copy.
std::filesystem::path image_recipe_dir();

struct ImageBuild {
  std::string tag;          // crater-at-home-worker:TAG; empty: the kind's default
  bool from_host = false;   // the `host` kind
  bool dockerfile = false;  // `docker build` from docker/Dockerfile (needs a registry)
  bool rebuild = false;     // replace an existing image
  std::string docker = "docker";
};

/// The command that builds the image.
std::vector<std::string> image_build_command(const ImageBuild& build);

/// Whether `image` is a `host` kind image, which needs host_mount_args().
bool is_host_image(const std::string& image);
/// The `docker run` arguments a `host` image needs on this machine, from
/// the file the image build wrote. Throws std::runtime_error if it is missing.
std::vector<std::string> host_mount_args();

}  // namespace sandbox
