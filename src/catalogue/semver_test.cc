#include "catalogue/semver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace catalogue {
namespace {

SemVer parsed(std::string_view text) {
  auto v = SemVer::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v.value_or(SemVer{});
}

TEST(SemVer, ParsesEveryPart) {
  const SemVer v = parsed("1.22.333-alpha.7.x-y+build.007");
  EXPECT_EQ(v.major, 1u);
  EXPECT_EQ(v.minor, 22u);
  EXPECT_EQ(v.patch, 333u);
  ASSERT_EQ(v.pre.size(), 3u);
  EXPECT_EQ(v.pre[0], SemVer::Identifier(std::string("alpha")));
  EXPECT_EQ(v.pre[1], SemVer::Identifier(uint64_t{7}));
  EXPECT_EQ(v.pre[2], SemVer::Identifier(std::string("x-y")));
  EXPECT_EQ(v.build, "build.007");  // leading zeros are fine in build metadata
  EXPECT_TRUE(v.is_prerelease());
  EXPECT_FALSE(parsed("0.0.0").is_prerelease());
  EXPECT_EQ(parsed("18446744073709551615.0.0").major, UINT64_MAX);
  EXPECT_EQ(parsed("1.0.0-0a").pre[0], SemVer::Identifier(std::string("0a")));
  EXPECT_EQ(parsed("1.0.0--").pre[0], SemVer::Identifier(std::string("-")));
}

TEST(SemVer, RejectsWhatTheSpecDoesNotAllow) {
  for (const char* text : {
           "",
           "01.0.0",
           "1.01.0",
           "1.0.01",
           "1.0",
           "1",
           "1.0.0.0",
           "1..0",
           "v1.0.0",
           " 1.0.0",
           "1.0.0 ",
           "+1.0.0",
           "-1.0.0",
           "1.0.0-",
           "1.0.0+",
           "1.0.0-01",
           "1.0.0-alpha..1",
           "1.0.0-alpha.",
           "1.0.0-al_pha",
           "1.0.0+build+more",
           "1.0.0+b..c",
           "1.0.0-é",
           "18446744073709551616.0.0",  // UINT64_MAX + 1
           "1.0.99999999999999999999",
           "1.0.0-99999999999999999999",
       }) {
    EXPECT_FALSE(SemVer::parse(text).has_value()) << '"' << text << '"';
  }
}

TEST(SemVer, FollowsTheSpecsPrecedenceChain) {
  const std::vector<std::string_view> chain = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                               "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                               "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                               "1.1.0",       "2.0.0",         "10.0.0"};
  for (size_t i = 0; i < chain.size(); ++i) {
    for (size_t j = 0; j < chain.size(); ++j) {
      const auto order = parsed(chain[i]) <=> parsed(chain[j]);
      EXPECT_EQ(std::is_lt(order), i < j) << chain[i] << " vs " << chain[j];
      EXPECT_EQ(std::is_eq(order), i == j) << chain[i] << " vs " << chain[j];
      const int c = compare_versions(chain[i], chain[j]);
      EXPECT_EQ(c < 0, i < j) << chain[i] << " vs " << chain[j];
      EXPECT_EQ(c == 0, i == j) << chain[i] << " vs " << chain[j];
    }
  }
}

TEST(SemVer, ComparesIdentifiersByKind) {
  EXPECT_LT(parsed("1.0.0-2"), parsed("1.0.0-10"));       // numerically
  EXPECT_LT(parsed("1.0.0-10"), parsed("1.0.0-2a"));      // numeric < alphanumeric
  EXPECT_LT(parsed("1.0.0-Z"), parsed("1.0.0-a"));        // ASCII: upper case first
  EXPECT_LT(parsed("1.0.0-a.z"), parsed("1.0.0-a-b"));    // identifier "a" < "a-b"
  EXPECT_LT(parsed("1.0.0-a.b"), parsed("1.0.0-a.b.0"));  // shorter set is lower
}

TEST(SemVer, IgnoresBuildMetadataForPrecedence) {
  const SemVer a = parsed("1.0.0+a");
  const SemVer b = parsed("1.0.0+b");
  EXPECT_EQ(a <=> b, std::weak_ordering::equivalent);
  EXPECT_NE(a, b);  // equivalent, not equal
  EXPECT_EQ(parsed("1.0.0-rc.1+z") <=> parsed("1.0.0-rc.1"), std::weak_ordering::equivalent);
  EXPECT_LT(parsed("1.0.0-rc.1+z"), parsed("1.0.0+a"));
}

TEST(CompareVersions, IsTotalAndDeterministic) {
  // Equal precedence: the bytes decide, so sorting never depends on input order.
  EXPECT_LT(compare_versions("1.0.0+a", "1.0.0+b"), 0);
  EXPECT_GT(compare_versions("1.0.0+b", "1.0.0+a"), 0);
  EXPECT_LT(compare_versions("1.0.0", "1.0.0+a"), 0);
  EXPECT_EQ(compare_versions("1.0.0+a", "1.0.0+a"), 0);
  // Anything that is not SemVer is lower than anything that is.
  EXPECT_LT(compare_versions("v9.0.0", "0.0.0-0"), 0);
  EXPECT_GT(compare_versions("0.0.0-0", "v9.0.0"), 0);
  EXPECT_LT(compare_versions("", "0.0.0"), 0);
  // ... and such strings order by their bytes.
  EXPECT_LT(compare_versions("1.0", "1.1"), 0);
  EXPECT_LT(compare_versions("01.0.0", "v1"), 0);
  EXPECT_EQ(compare_versions("1.0", "1.0"), 0);

  std::vector<std::string> versions = {"2.0.0",   "nope", "1.0.0+b", "1.0.0-rc.1",
                                       "1.0.0+a", "1.0",  "1.0.0"};
  std::vector<std::string> sorted = versions;
  const auto less = [](const std::string& a, const std::string& b) {
    return compare_versions(a, b) < 0;
  };
  std::sort(sorted.begin(), sorted.end(), less);
  EXPECT_EQ(sorted, (std::vector<std::string>{"1.0", "nope", "1.0.0-rc.1", "1.0.0", "1.0.0+a",
                                              "1.0.0+b", "2.0.0"}));
  std::reverse(versions.begin(), versions.end());
  std::sort(versions.begin(), versions.end(), less);
  EXPECT_EQ(versions, sorted);
}

using Versions = std::vector<std::pair<std::string, bool>>;  // (version, yanked)

std::optional<std::string> chosen(Versions versions) {
  auto best = version_to_test(versions);
  // The order of feeding never matters.
  std::reverse(versions.begin(), versions.end());
  EXPECT_EQ(version_to_test(versions), best);
  std::rotate(versions.begin(), versions.begin() + static_cast<std::ptrdiff_t>(versions.size() / 2),
              versions.end());
  EXPECT_EQ(version_to_test(versions), best);
  return best;
}

TEST(VersionToTest, PicksTheHighestStableRelease) {
  EXPECT_EQ(chosen({{"0.9.0", false}, {"1.2.0", false}, {"1.10.0", false}, {"1.9.9", false}}),
            "1.10.0");
}

TEST(VersionToTest, PrefersAnyStableReleaseToAPreRelease) {
  EXPECT_EQ(chosen({{"1.0.0", false}, {"2.0.0-rc.1", false}, {"0.1.0", false}}), "1.0.0");
}

TEST(VersionToTest, NeverChoosesAYankedVersion) {
  EXPECT_EQ(chosen({{"1.0.0", false}, {"1.1.0", true}}), "1.0.0");
  // A yanked stable release does not hide the pre-releases.
  EXPECT_EQ(chosen({{"1.0.0", true}, {"2.0.0-beta.2", false}, {"2.0.0-beta.10", false}}),
            "2.0.0-beta.10");
  EXPECT_EQ(chosen({{"1.0.0", true}, {"2.0.0", true}}), std::nullopt);
  EXPECT_EQ(chosen({{"1.0.0", true}, {"nope", true}}), std::nullopt);
  EXPECT_EQ(chosen({}), std::nullopt);
}

TEST(VersionToTest, TakesAPreReleaseOnlyWithoutAStableOne) {
  EXPECT_EQ(chosen({{"0.1.0-alpha", false}, {"0.1.0-beta", false}}), "0.1.0-beta");
  EXPECT_EQ(chosen({{"0.1.0-alpha", false}, {"0.0.1", false}}), "0.0.1");
}

TEST(VersionToTest, TakesAnUnparsableVersionOnlyWhenNothingElse) {
  EXPECT_EQ(chosen({{"9.9", false}, {"0.1.0-alpha", false}}), "0.1.0-alpha");
  EXPECT_EQ(chosen({{"9.9", false}, {"0.1.0", true}}), "9.9");
  EXPECT_EQ(chosen({{"1.0", false}, {"v2", false}, {"10.0", false}}), "v2");  // by bytes
}

TEST(VersionToTest, BreaksTiesOnBuildMetadataByBytes) {
  EXPECT_EQ(chosen({{"1.0.0+b", false}, {"1.0.0+a", false}, {"1.0.0", false}}), "1.0.0+b");
}

TEST(BestVersion, SaysWhenAnOfferBecomesTheBest) {
  BestVersion best;
  EXPECT_FALSE(best.has_value());
  EXPECT_TRUE(best.offer("nope", false));
  EXPECT_TRUE(best.offer("1.0.0-rc.1", false));
  EXPECT_FALSE(best.offer("0.9.0-rc.1", false));
  EXPECT_TRUE(best.offer("0.1.0", false));
  EXPECT_FALSE(best.offer("2.0.0", true));
  EXPECT_FALSE(best.offer("0.1.0", false));  // the same version again
  EXPECT_TRUE(best.offer("0.2.0", false));
  EXPECT_FALSE(best.offer("3.0.0-rc.1", false));
  EXPECT_TRUE(best.has_value());
  EXPECT_EQ(best.version(), "0.2.0");
}

}  // namespace
}  // namespace catalogue
