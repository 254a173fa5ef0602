#include "diagnosis/source_path.h"

#include <gtest/gtest.h>

namespace diagnosis {
namespace {

using Kind = SourceOrigin::Kind;

TEST(SourcePathTest, NamesTheCrateOfAPackageDirectory) {
  EXPECT_EQ(crate_of_package_dir("smallvec-1.10.0"), "smallvec");
  EXPECT_EQ(crate_of_package_dir("sha-1-0.10.0"), "sha-1");
  EXPECT_EQ(crate_of_package_dir("foo-1.0.0-alpha.1"), "foo");
  EXPECT_EQ(crate_of_package_dir("foo-bar-2.0.0-rc.1+build.5"), "foo-bar");
  EXPECT_EQ(crate_of_package_dir("x25519-dalek-2.0.0"), "x25519-dalek");
  EXPECT_EQ(crate_of_package_dir("foo"), "");
  EXPECT_EQ(crate_of_package_dir("foo-1.0"), "");
  EXPECT_EQ(crate_of_package_dir("foo-1.0.0-"), "");
  EXPECT_EQ(crate_of_package_dir("-1.0.0"), "");
}

TEST(SourcePathTest, StripsLineAndColumn) {
  EXPECT_EQ(path_of_location("src/lib.rs:10:5: 10:18"), "src/lib.rs");
  EXPECT_EQ(path_of_location("/build/src/lib.rs:35:26"), "/build/src/lib.rs");
  EXPECT_EQ(path_of_location("src/lib.rs"), "src/lib.rs");
}

TEST(SourcePathTest, DependenciesByRegistryLayout) {
  for (const char* path : {
           "/cargo/registry/src/index.crates.io-6f17d22bba15001f/smallvec-1.10.0/src/lib.rs",
           "/root/.cargo/registry/src/github.com-1ecc6299db9ec823/smallvec-1.10.0/src/lib.rs",
           "/registry/smallvec-1.10.0/src/lib.rs",
           "/usr/share/cargo/registry/smallvec-1.10.0/src/lib.rs",
           "/crates/smallvec-1.10.0/src/lib.rs",
           "/build/.cargo/registry/src/index.crates.io-6f17d22bba15001f/smallvec-1.10.0/src/a.rs",
           "/cargo/git/checkouts/smallvec-4d5b9d3f1c2a7e8b/a1b2c3d/src/lib.rs",
       }) {
    const SourceOrigin origin = source_origin(path, true);
    EXPECT_EQ(origin.kind, Kind::kDependency) << path;
    EXPECT_EQ(origin.dependency, "smallvec") << path;
    EXPECT_EQ(origin.version,
              std::string_view(path).find("/git/") == std::string_view::npos ? "1.10.0" : "")
        << path;
  }
}

TEST(SourcePathTest, VendoredAndUnpackedDependenciesWithTheirVersions) {
  for (const char* path : {
           "/deps/smallvec-1.11.0/src/lib.rs",
           "/work/vendor/smallvec-1.11.0/src/lib.rs",
           "/tmp/smallvec-1.11.0/src/lib.rs",
           "/cargo/registry/src/index.crates.io-1949cf8c6b5b557f/smallvec-1.11.0/src/lib.rs",
       }) {
    const SourceOrigin origin = source_origin(path, true);
    EXPECT_EQ(origin.kind, Kind::kDependency) << path;
    EXPECT_EQ(origin.dependency, "smallvec") << path;
    EXPECT_EQ(origin.version, "1.11.0") << path;
  }
  EXPECT_EQ(version_of_package_dir("foo-bar-2.0.0-rc.1+build.5"), "2.0.0-rc.1+build.5");
  EXPECT_EQ(version_of_package_dir("foo"), "");
  // Test binaries in target/debug/deps are named NAME-HASH, not NAME-VERSION.
  EXPECT_EQ(source_origin("/build/target/debug/deps/mycrate-5b6e4c5d8e2f1a3b", true).kind,
            Kind::kCrate);
  // A toolchain built from source is still the standard library.
  EXPECT_EQ(
      source_origin("/build/rust/src/rustc-1.48.0-src/library/std/src/panicking.rs", true).kind,
      Kind::kSystem);
}

TEST(SourcePathTest, StandardLibraryAndSystem) {
  for (const char* path : {
           "/rustc/e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a/library/core/src/ptr/mod.rs",
           "/root/.rustup/toolchains/nightly-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/"
           "library/alloc/src/alloc.rs",
           "/opt/rustup/toolchains/nightly-x86_64-unknown-linux-gnu/lib/rustlib/src/rust/library/"
           "std/src/thread/mod.rs",
           "library/core/src/panicking.rs",
           "/rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_malloc_linux.cpp",
           "<std macros>",
       }) {
    EXPECT_EQ(source_origin(path, true).kind, Kind::kSystem) << path;
  }
  // A symbolizer's relative paths are glibc's.
  EXPECT_EQ(source_origin("nptl/./nptl/pthread_create.c", false).kind, Kind::kSystem);
}

TEST(SourcePathTest, TheCrateItself) {
  EXPECT_EQ(source_origin("src/lib.rs", true).kind, Kind::kCrate);
  EXPECT_EQ(source_origin("tests/it.rs", true).kind, Kind::kCrate);
  EXPECT_EQ(source_origin("/build/src/lib.rs", true).kind, Kind::kCrate);
  EXPECT_EQ(source_origin("/build/src/lib.rs", false).kind, Kind::kCrate);
  // A workspace member's directory is not a registry's.
  EXPECT_EQ(source_origin("/build/crates/inner/src/lib.rs", false).kind, Kind::kCrate);
  // A crate with a directory called "library" is still the crate.
  EXPECT_EQ(source_origin("/build/library/src/lib.rs", false).kind, Kind::kCrate);
}

TEST(SourcePathTest, UnknownPlaces) {
  EXPECT_EQ(source_origin("/home/me/project/src/lib.rs", true).kind, Kind::kUnknown);
  EXPECT_EQ(source_origin("/usr/include/stdio.h", false).kind, Kind::kUnknown);
}

}  // namespace
}  // namespace diagnosis
