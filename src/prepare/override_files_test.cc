#include "prepare/override_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace prepare {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& path) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "x";
}

TEST(OverrideFiles, EveryOneIsRemovedAndNothingOutside) {
  const fs::path root = fs::temp_directory_path() / ("cah-override-" + std::to_string(getpid()));
  fs::remove_all(root);
  const fs::path krate = root / "foo-1.0.0";
  const fs::path outside = root / "outside";
  touch(krate / "Cargo.toml");
  touch(krate / ".cargo/config.toml");
  touch(krate / ".cargo/config");
  touch(krate / ".cargo/credentials");  // not cargo's configuration
  touch(krate / "rust-toolchain.toml");
  touch(krate / "sub/rust-toolchain");
  touch(krate / "sub/.cargo/config.toml");
  touch(krate / "src/config.toml");  // not under .cargo
  touch(outside / ".cargo/config.toml");
  fs::create_directory_symlink(outside, krate / "link");

  const std::vector<std::string> removed = remove_override_files(krate);
  EXPECT_EQ(removed,
            (std::vector<std::string>{".cargo/config", ".cargo/config.toml", "rust-toolchain.toml",
                                      "sub/.cargo/config.toml", "sub/rust-toolchain"}));
  EXPECT_TRUE(fs::exists(krate / "Cargo.toml"));
  EXPECT_TRUE(fs::exists(krate / ".cargo/credentials"));
  EXPECT_TRUE(fs::exists(krate / "src/config.toml"));
  EXPECT_TRUE(fs::exists(outside / ".cargo/config.toml"));
  fs::remove_all(root);
}

}  // namespace
}  // namespace prepare
