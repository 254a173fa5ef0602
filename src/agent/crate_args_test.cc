#include "agent/crate_args.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace agent {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

CrateArgs args_of(std::string_view toml) { return crate_args(toml, "Cargo.toml"); }

constexpr std::string_view kPackage = "[package]\nname = \"x\"\nversion = \"1.0.0\"\n";

TEST(CrateArgs, NoMetadataNoArgs) {
  const CrateArgs args = args_of(kPackage);
  EXPECT_THAT(args.args, IsEmpty());
  EXPECT_EQ(args.table, "");
  EXPECT_THAT(args.warnings, IsEmpty());
}

TEST(CrateArgs, ReadsDocsRs) {
  const CrateArgs args = args_of(std::string(kPackage) + R"(
[package.metadata.docs.rs]
features = ["serde", "std", "tokio/rt"]
all-features = true
no-default-features = true
rustdoc-args = ["--cfg", "docsrs"]
)");
  EXPECT_THAT(args.args, ElementsAre("--features=serde,std,tokio/rt", "--all-features",
                                     "--no-default-features"));
  EXPECT_EQ(args.table, "package.metadata.docs.rs");
  EXPECT_THAT(args.warnings, IsEmpty());
}

TEST(CrateArgs, FalseAndEmptyAskForNothing) {
  const CrateArgs args = args_of(std::string(kPackage) + R"(
[package.metadata.docs.rs]
features = []
all-features = false
no-default-features = false
)");
  EXPECT_THAT(args.args, IsEmpty());
  EXPECT_EQ(args.table, "package.metadata.docs.rs");
  EXPECT_THAT(args.warnings, IsEmpty());
}

TEST(CrateArgs, DocsRsWinsOverDocsDashRsWinsOverPlayground) {
  const std::string playground = R"(
[package.metadata.playground]
features = ["playground"]
)";
  const std::string docs_dash_rs = R"(
[package.metadata.docs-rs]
features = ["docs-dash-rs"]
)";
  const std::string docs_rs = R"(
[package.metadata.docs.rs]
all-features = true
)";
  std::string toml = std::string(kPackage) + playground;
  EXPECT_THAT(args_of(toml).args, ElementsAre("--features=playground"));
  EXPECT_EQ(args_of(toml).table, "package.metadata.playground");
  toml += docs_dash_rs;
  EXPECT_THAT(args_of(toml).args, ElementsAre("--features=docs-dash-rs"));
  EXPECT_EQ(args_of(toml).table, "package.metadata.docs-rs");
  toml += docs_rs;
  // The winner's keys only: nothing merges in from the others.
  EXPECT_THAT(args_of(toml).args, ElementsAre("--all-features"));
  EXPECT_EQ(args_of(toml).table, "package.metadata.docs.rs");
}

TEST(CrateArgs, AnEmptyTableStillWins) {
  const CrateArgs args = args_of(std::string(kPackage) +
                                 "[package.metadata.docs.rs]\n"
                                 "[package.metadata.playground]\nall-features = true\n");
  EXPECT_THAT(args.args, IsEmpty());
  EXPECT_EQ(args.table, "package.metadata.docs.rs");
}

TEST(CrateArgs, InlineAndDottedTablesAreTheSame) {
  EXPECT_THAT(args_of(std::string(kPackage) +
                      "[package.metadata]\ndocs.rs = { features = [\"a\"], all-features = true }\n")
                  .args,
              ElementsAre("--features=a", "--all-features"));
}

TEST(CrateArgs, MalformedKeysAreIgnoredWithAWarning) {
  const CrateArgs args = args_of(std::string(kPackage) + R"(
[package.metadata.docs.rs]
features = "serde,std"
all-features = "true"
no-default-features = true
)");
  EXPECT_THAT(args.args, ElementsAre("--no-default-features"));
  EXPECT_THAT(args.warnings,
              ElementsAre("Cargo.toml: [package.metadata.docs.rs] features is not an array of "
                          "strings; ignored",
                          "Cargo.toml: [package.metadata.docs.rs] all-features is not true or "
                          "false; ignored"));

  const CrateArgs mixed = args_of(std::string(kPackage) +
                                  "[package.metadata.docs.rs]\nfeatures = [\"a\", 1]\n"
                                  "no-default-features = 1\n");
  EXPECT_THAT(mixed.args, IsEmpty());
  EXPECT_EQ(mixed.warnings.size(), 2u);
}

TEST(CrateArgs, ATableThatIsNotATableIsSkipped) {
  const CrateArgs args = args_of(std::string(kPackage) + R"(
[package.metadata]
docs-rs = "all"
playground = { features = ["p"] }
)");
  EXPECT_THAT(args.args, ElementsAre("--features=p"));
  EXPECT_THAT(args.warnings, ElementsAre("Cargo.toml: package.metadata.docs-rs is not a table; "
                                         "ignored"));
}

TEST(CrateArgs, DropsFeaturesThatCouldInjectArguments) {
  const CrateArgs args = args_of(std::string(kPackage) + R"(
[package.metadata.docs.rs]
features = ["good", "--all-targets", "a,b", "a b", "tab\there", "", "new\nline", "also_good"]
)");
  EXPECT_THAT(args.args, ElementsAre("--features=good,also_good"));
  ASSERT_EQ(args.warnings.size(), 6u);
  EXPECT_EQ(args.warnings[0],
            "Cargo.toml: [package.metadata.docs.rs] features \"--all-targets\" starts with '-'; "
            "dropped");
  EXPECT_THAT(args.warnings[1], HasSubstr("\"a,b\" contains a comma"));
  EXPECT_THAT(args.warnings[2], HasSubstr("\"a b\" contains whitespace"));
  EXPECT_THAT(args.warnings[4], HasSubstr("\"\" is empty"));

  // Every feature dropped: no --features at all, not "--features=".
  EXPECT_THAT(
      args_of(std::string(kPackage) + "[package.metadata.docs.rs]\nfeatures = [\"-x\"]\n").args,
      IsEmpty());
}

TEST(CrateArgs, UnparsableManifestGivesAWarning) {
  const CrateArgs args = args_of("[package\nname = ");
  EXPECT_THAT(args.args, IsEmpty());
  ASSERT_EQ(args.warnings.size(), 1u);
  EXPECT_THAT(args.warnings[0], HasSubstr("Cargo.toml: not TOML ("));
  EXPECT_THAT(args.warnings[0], HasSubstr("line 1"));
}

TEST(CrateArgs, UnreadableManifestGivesAWarning) {
  const CrateArgs args = read_crate_args("/nonexistent/Cargo.toml");
  EXPECT_THAT(args.args, IsEmpty());
  EXPECT_THAT(args.warnings,
              ElementsAre("/nonexistent/Cargo.toml: cannot be read; no cargo arguments"));
}

TEST(CrateArgs, KnowsWhichToolchainsRefuseFeatureGates) {
  for (const char* refusing :
       {"stable", "beta", "1.80.0", "1.80", "stable-2024-05-02", "beta-x86_64-unknown-linux-gnu",
        "1.80.0-x86_64-unknown-linux-gnu", "stable-x86_64-unknown-linux-gnu"}) {
    EXPECT_FALSE(accepts_unstable_features(refusing, "")) << refusing;
    EXPECT_FALSE(accepts_unstable_features(refusing, "0")) << refusing;
    EXPECT_TRUE(accepts_unstable_features(refusing, "1")) << refusing << " + RUSTC_BOOTSTRAP=1";
  }
  for (const char* accepting :
       {"nightly", "nightly-2024-05-01", "nightly-x86_64-unknown-linux-gnu", "miri", "dev"}) {
    EXPECT_TRUE(accepts_unstable_features(accepting, "")) << accepting;
  }
}

constexpr std::string_view kDocsRsAllFeatures = R"(
[package.metadata.docs.rs]
all-features = true
rustdoc-args = ["--cfg", "docsrs"]
)";

TEST(CrateArgs, DocsRsMetadataIsForNightlyOnly) {
  const std::string toml = std::string(kPackage) + std::string(kDocsRsAllFeatures);
  const CrateArgs nightly = crate_args(toml, "Cargo.toml", {.name = "nightly", .unstable = true});
  EXPECT_THAT(nightly.args, ElementsAre("--all-features"));
  EXPECT_EQ(nightly.note, "");

  const CrateArgs stable = crate_args(toml, "Cargo.toml", {.name = "stable", .unstable = false});
  EXPECT_THAT(stable.args, IsEmpty());
  EXPECT_EQ(stable.table, "");
  EXPECT_EQ(stable.note,
            "docs.rs metadata (--all-features) not applied: it is meant for nightly and the "
            "toolchain is stable");

  const CrateArgs pinned = crate_args(std::string(kPackage) + R"(
[package.metadata.docs-rs]
features = ["a", "b"]
no-default-features = true
)",
                                      "Cargo.toml", {.name = "1.80.0", .unstable = false});
  EXPECT_THAT(pinned.args, IsEmpty());
  EXPECT_EQ(pinned.note,
            "docs.rs metadata (--features=a,b --no-default-features) not applied: it is meant for "
            "nightly and the toolchain is 1.80.0");
}

TEST(CrateArgs, OnStableThePlaygroundsMetadataStillApplies) {
  const std::string toml = std::string(kPackage) + std::string(kDocsRsAllFeatures) +
                           "[package.metadata.playground]\nfeatures = [\"std\"]\n";
  const CrateArgs stable = crate_args(toml, "Cargo.toml", {.name = "stable", .unstable = false});
  EXPECT_THAT(stable.args, ElementsAre("--features=std"));
  EXPECT_EQ(stable.table, "package.metadata.playground");
  EXPECT_THAT(stable.note, HasSubstr("docs.rs metadata (--all-features) not applied"));
  // On nightly docs.rs wins, as before.
  EXPECT_THAT(crate_args(toml, "Cargo.toml").args, ElementsAre("--all-features"));
}

TEST(CrateArgs, ADocsRsTableAskingNothingNeedsNoNote) {
  const CrateArgs stable =
      crate_args(std::string(kPackage) + "[package.metadata.docs.rs]\nrustdoc-args = [\"-x\"]\n",
                 "Cargo.toml", {.name = "stable", .unstable = false});
  EXPECT_THAT(stable.args, IsEmpty());
  EXPECT_EQ(stable.note, "");
  EXPECT_THAT(stable.warnings, IsEmpty());
}

// Debian packages crates with their manifests: real metadata, as crate
// authors write it.
TEST(CrateArgs, ReadsEveryDebianCrate) {
  const fs::path registry = "/usr/share/cargo/registry";
  if (!fs::is_directory(registry)) GTEST_SKIP() << "no " << registry;
  int manifests = 0;
  int docs_rs = 0;
  int all_features = 0;
  for (const auto& entry : fs::directory_iterator(registry)) {
    const fs::path manifest = entry.path() / "Cargo.toml";
    if (!fs::is_regular_file(manifest)) continue;
    ++manifests;
    CrateArgs args;
    ASSERT_NO_THROW(args = read_crate_args(manifest)) << manifest;
    for (const std::string& warning : args.warnings) {
      EXPECT_THAT(warning, HasSubstr(manifest.string()));
    }
    if (args.table == "package.metadata.docs.rs") ++docs_rs;
    for (const std::string& arg : args.args) {
      EXPECT_TRUE(arg == "--all-features" || arg == "--no-default-features" ||
                  arg.starts_with("--features="))
          << manifest << ": " << arg;
      if (arg == "--all-features") ++all_features;
    }
  }
  if (manifests == 0) GTEST_SKIP() << "no crates in " << registry;
  EXPECT_GT(docs_rs, 0);
  EXPECT_GT(all_features, 0);
  RecordProperty("manifests", manifests);
  RecordProperty("docs_rs", docs_rs);
}

}  // namespace
}  // namespace agent
