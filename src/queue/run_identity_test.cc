#include "queue/run_identity.h"

#include <gtest/gtest.h>

namespace queue {
namespace {

TEST(RunIdentity, ReadsReleaseAndCommitOfRustcVerbose) {
  result::RunIdentity identity;
  read_rustc_verbose_version(
      "rustc 1.95.0-nightly (f2d3ce0bd 2026-03-21)\nbinary: rustc\n"
      "commit-hash: f2d3ce0bd0123456789abcdef0123456789abcde\ncommit-date: 2026-03-21\n"
      "host: x86_64-unknown-linux-gnu\nrelease: 1.95.0-nightly\nLLVM version: 20.1.1\n",
      identity);
  EXPECT_EQ(identity.toolchain_version, "1.95.0-nightly");
  EXPECT_EQ(identity.toolchain_commit, "f2d3ce0bd0123456789abcdef0123456789abcde");
}

TEST(RunIdentity, LeavesWhatRustcDidNotSayEmpty) {
  result::RunIdentity identity;
  read_rustc_verbose_version("error: toolchain 'nope' is not installed\n", identity);
  EXPECT_TRUE(identity.toolchain_version.empty());
  EXPECT_TRUE(identity.toolchain_commit.empty());
}

}  // namespace
}  // namespace queue
