// The attribution corpus (testdata/attribution/): one real-shaped log per
// case and, beside it, the causes its diagnosis must give, each with the crate
// (and version) the finding points into. Prints the rates and asserts 100%.
//
//   ctest --test-dir build -R Attribution --output-on-failure

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "diagnosis/diagnosis.h"

namespace diagnosis {
namespace {

struct Expected {
  Facts facts;
  // "TOOL | KIND | CRATE [VERSION]", as the .expect file writes them.
  std::vector<std::string> causes;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Expected read_expect(const std::filesystem::path& path) {
  Expected expected;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("crate ")) {
      std::istringstream words(line.substr(6));
      words >> expected.facts.crate >> expected.facts.version;
    } else if (line.starts_with("cause ")) {
      expected.causes.push_back(line.substr(6));
    }
  }
  return expected;
}

// Read through the stored JSON, so that this test also runs on diagnoses that
// predate source_version (the "before" figure in docs/benchmarks.md).
std::vector<std::string> causes_of(const Diagnosis& diagnosis, bool with_version) {
  std::vector<std::string> out;
  const nlohmann::json json = to_json(diagnosis);
  for (const nlohmann::json& cause : json["causes"]) {
    std::string source = cause.value("source_crate", "");
    const std::string version = cause.value("source_version", "");
    if (with_version && !version.empty()) source += " " + version;
    out.push_back(cause.value("tool", "") + " | " + cause.value("kind", "") + " | " + source);
  }
  return out;
}

std::vector<std::string> without_versions(std::vector<std::string> causes) {
  for (std::string& cause : causes) {
    const size_t source = cause.rfind(" | ");
    const size_t space = cause.find(' ', source + 3);
    if (space != std::string::npos) cause.resize(space);
  }
  return causes;
}

std::vector<std::string> kinds_of(std::vector<std::string> causes) {
  for (std::string& cause : causes) cause.resize(cause.rfind(" | "));
  return causes;
}

TEST(AttributionTest, EveryCaseNamesTheCrateItPointsInto) {
  const std::filesystem::path corpus = CAH_DIAGNOSIS_TESTDATA "/attribution";
  std::vector<std::filesystem::path> logs;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    if (entry.path().extension() == ".log") logs.push_back(entry.path());
  }
  std::sort(logs.begin(), logs.end());
  ASSERT_GE(logs.size(), 20u);

  size_t kinds_right = 0;
  size_t crates_right = 0;
  size_t versions_right = 0;
  for (const auto& log : logs) {
    SCOPED_TRACE(log.filename().string());
    const std::string raw = read_file(log);
    const Expected expected = read_expect(std::filesystem::path(log).replace_extension(".expect"));
    ASSERT_FALSE(expected.causes.empty());

    const Diagnosis whole = diagnose(raw, expected.facts);
    // Chunks split anywhere give the same diagnosis.
    for (const size_t chunk : {size_t{1}, size_t{7}, size_t{4093}}) {
      Diagnoser diagnoser;
      for (size_t at = 0; at < raw.size(); at += chunk) {
        diagnoser.feed(std::string_view(raw).substr(at, chunk));
      }
      EXPECT_EQ(diagnoser.finish(expected.facts), whole) << "in chunks of " << chunk;
    }

    const std::vector<std::string> got = causes_of(whole, true);
    kinds_right += kinds_of(got) == kinds_of(expected.causes);
    crates_right += without_versions(causes_of(whole, false)) == without_versions(expected.causes);
    versions_right += got == expected.causes;
    EXPECT_EQ(got, expected.causes);
  }

  const auto percent = [&](size_t n) {
    return 100.0 * static_cast<double>(n) / static_cast<double>(logs.size());
  };
  std::printf(
      "attribution corpus: %zu cases; kind right %.0f%%; crate named %.0f%%; crate and version "
      "named %.0f%%\n",
      logs.size(), percent(kinds_right), percent(crates_right), percent(versions_right));
  EXPECT_EQ(versions_right, logs.size());
}

}  // namespace
}  // namespace diagnosis
