#include "prepare/bundle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "registry/test_crates.h"
#include "registry/unpack.h"

namespace prepare {
namespace {

namespace fs = std::filesystem;
using registry::testing::read_file;
using registry::testing::TempDir;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

/// Unpacks `tar` as the agent does, in chunks of `chunk` bytes.
void unpack(const fs::path& tar, const fs::path& build, const fs::path& deps, size_t chunk) {
  const std::string bytes = read_file(tar);
  std::string_view rest = bytes;
  registry::unpack_tar_stream(
      [&] {
        const std::string_view next = rest.substr(0, std::min(chunk, rest.size()));
        rest.remove_prefix(next.size());
        return next;
      },
      {{"source", build}, {"deps", deps}});
}

TEST(Bundle, HoldsTheCrateAndEachPackageAsTheAgentUnpacksThem) {
  TempDir dir;
  write(dir / "crate/Cargo.toml", "[package]\nname = \"a\"\n");
  write(dir / "crate/Cargo.lock", "# lock\n");
  write(dir / "crate/src/main.rs", "fn main() {}\n");
  write(dir / "crate/run.sh", "#!/bin/sh\n");
  fs::permissions(dir / "crate/run.sh", fs::perms::owner_exec, fs::perm_options::add);
  write(dir / "cache/b-1.0.0/Cargo.toml", "[package]\nname = \"b\"\n");
  write(dir / "cache/b-1.0.0/.cargo-checksum.json", R"({"files":{},"package":"ab"})");
  write(dir / "cache/b-1.0.0/.cah-bytes", "123");
  write(dir / "cache/b-1.0.0/sub/.cah-bytes", "a file of the package");
  fs::create_symlink("../Cargo.toml", dir / "cache/b-1.0.0/sub/link");
  write(dir / "cache/c-2.0.0/lib.rs", std::string(100'000, 'c'));

  const fs::path tar = dir / "a-1.0.0.tar";
  const uint64_t size = write_bundle(
      dir / "crate", {{"b-1.0.0", dir / "cache/b-1.0.0"}, {"c-2.0.0", dir / "cache/c-2.0.0"}}, tar);
  EXPECT_EQ(size, fs::file_size(tar));
  EXPECT_FALSE(fs::exists(tar.string() + ".part"));
  EXPECT_LT(size, 100'000u + 20 * 1024) << "no padding to 10 KiB blocks beyond the last";

  unpack(tar, dir / "build", dir / "deps", 777);
  EXPECT_EQ(read_file(dir / "build/Cargo.lock"), "# lock\n");
  EXPECT_EQ(read_file(dir / "build/src/main.rs"), "fn main() {}\n");
  EXPECT_NE(fs::status(dir / "build/run.sh").permissions() & fs::perms::owner_exec,
            fs::perms::none);
  EXPECT_EQ(read_file(dir / "deps/b-1.0.0/.cargo-checksum.json"), R"({"files":{},"package":"ab"})");
  EXPECT_FALSE(fs::exists(dir / "deps/b-1.0.0/.cah-bytes")) << "the cache's bookkeeping";
  EXPECT_TRUE(fs::exists(dir / "deps/b-1.0.0/sub/.cah-bytes")) << "only at the top";
  EXPECT_EQ(fs::read_symlink(dir / "deps/b-1.0.0/sub/link"), "../Cargo.toml");
  EXPECT_EQ(fs::file_size(dir / "deps/c-2.0.0/lib.rs"), 100'000u);
}

TEST(Bundle, ACrateWithoutPackagesStillHasADepsFolder) {
  TempDir dir;
  write(dir / "crate/Cargo.toml", "[package]\n");
  const fs::path tar = dir / "a.tar";
  write_bundle(dir / "crate", {}, tar);
  unpack(tar, dir / "build", dir / "deps", 1 << 20);
  EXPECT_TRUE(fs::is_directory(dir / "deps"));
  EXPECT_TRUE(fs::is_empty(dir / "deps"));
}

TEST(Bundle, RefusesWhatIsNotAFileFolderOrSymlinkAndLeavesNoTar) {
  TempDir dir;
  write(dir / "crate/Cargo.toml", "[package]\n");
  ASSERT_EQ(mkfifo((dir / "crate/fifo").c_str(), 0644), 0);
  const fs::path tar = dir / "a.tar";
  EXPECT_THROW(write_bundle(dir / "crate", {}, tar), std::runtime_error);
  EXPECT_FALSE(fs::exists(tar));
  EXPECT_FALSE(fs::exists(tar.string() + ".part"));
}

}  // namespace
}  // namespace prepare
