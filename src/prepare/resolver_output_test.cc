#include "prepare/resolver_output.h"

#include <gtest/gtest.h>

namespace prepare {
namespace {

// What cargo 1.95 printed on this machine for each case (shared notes:
// crates-io.md), colours as a terminal gets them.
TEST(ResolverOutput, AMissingDependencyNamesThePackage) {
  const auto broken = broken_by_resolution(
      "\x1b[1m\x1b[91merror\x1b[0m\x1b[1m:\x1b[0m no matching package named `criterion` found\n"
      "location searched: `cah-registry` index (which is replacing registry `crates-io`)\n"
      "required by package `foo v0.1.0 (/home/x/.cache/crater-at-home/staging/foo-0.1.0)`\n");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->kind, "missing-dependency");
  EXPECT_EQ(broken->detail,
            "no matching package named `criterion` found (required by package `foo v0.1.0`)");
}

TEST(ResolverOutput, AMissingDependencyCargoHasAGuessFor) {
  const auto broken = broken_by_resolution(
      "\x1b[1m\x1b[91merror\x1b[0m: no matching package found\n"
      "searched package name: `clap`\nperhaps you meant:      cc, ctor, glob, ...\n"
      "location searched: directory source `/usr/share/cargo/registry` (which is replacing "
      "registry `crates-io`)\n"
      "required by package `addr2line v0.19.0 (/tmp/x/addr2line-0.19.0)`\n");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->kind, "missing-dependency");
  EXPECT_EQ(broken->detail,
            "no matching package named `clap` found (required by package `addr2line v0.19.0`)");
}

TEST(ResolverOutput, YankedAndMissingVersions) {
  const auto yanked = broken_by_resolution(
      "error: failed to select a version for the requirement `bar = \"^1\"`\n"
      "  version 1.0.0 is yanked\n"
      "location searched: crates.io index\nrequired by package `foo v0.1.0 (/x)`\n");
  ASSERT_TRUE(yanked);
  EXPECT_EQ(yanked->kind, "yanked");
  EXPECT_NE(yanked->detail.find("`bar = \"^1\"`"), std::string::npos);

  const auto missing = broken_by_resolution(
      "error: failed to select a version for the requirement `itoa = \"^9\"`\n"
      "candidate versions found which didn't match: 1.0.5\n"
      "location searched: crates.io index\nrequired by package `foo v0.1.0 (/x)`\n");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->kind, "missing-version");
  EXPECT_NE(missing->detail.find("candidate versions found which didn't match: 1.0.5"),
            std::string::npos);
}

TEST(ResolverOutput, AConflict) {
  const auto broken = broken_by_resolution(
      "error: failed to select a version for `x`.\n"
      "    ... required by package `foo v0.1.0 (/x)`\n"
      "versions that meet the requirements `^1` are: 1.0.0\n\n"
      "the package `foo` depends on `x`, with features: `nope` but `x` does not have these "
      "features.\n\n\nfailed to select a version for `x` which could resolve this conflict\n");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->kind, "dependency-conflict");
}

TEST(ResolverOutput, TheNetworkIsNeverTheCratesFault) {
  for (const char* output : {
           "error: failed to get `serde` as a dependency of package `foo v0.1.0 (/x)`\n\n"
           "Caused by:\n  failed to query replaced source registry `crates-io`\n\nCaused by:\n"
           "  download of se/rd/serde failed\n\nCaused by:\n  failed to get successful HTTP "
           "response from `http://127.0.0.1:1/index/se/rd/serde`, got 500\n",
           "error: failed to get `serde` as a dependency of package `foo v0.1.0 (/x)`\n\n"
           "Caused by:\n  [7] Couldn't connect to server (Failed to connect to 127.0.0.1 port 1)\n",
           "",
       }) {
    EXPECT_FALSE(broken_by_resolution(output)) << output;
  }
}

TEST(ResolverOutput, Manifests) {
  const result::Broken bad = broken_by_manifest(
      "error: failed to parse manifest at `/x/Cargo.toml`\n\nCaused by:\n"
      "  invalid type: integer `3`, expected a string\n");
  EXPECT_EQ(bad.kind, "manifest");
  EXPECT_EQ(bad.detail,
            "failed to parse manifest at `/x/Cargo.toml`: invalid type: integer `3`, expected a "
            "string");
  const result::Broken newer = broken_by_manifest(
      "error: failed to parse manifest at `/x/Cargo.toml`\n\nCaused by:\n"
      "  feature `edition2031` is required\n\n  The package requires the Cargo feature called "
      "`edition2031`, but that feature is not stabilized in this version of Cargo (1.95.0).\n"
      "  Consider trying a newer version of Cargo (this may require the nightly release).\n");
  EXPECT_EQ(newer.kind, "rust-version");
}

}  // namespace
}  // namespace prepare
