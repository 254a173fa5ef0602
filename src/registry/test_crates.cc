#include "registry/test_crates.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <regex>
#include <stdexcept>

namespace registry::testing {
namespace {

namespace fs = std::filesystem;

/// `key = "value"` from a manifest cargo normalised on publishing, where
/// [package]'s name and version come first.
std::string manifest_value(const std::string& manifest, const std::string& key) {
  std::smatch match;
  std::regex line("^" + key + R"( = "([^"]*)\")", std::regex::multiline);
  return std::regex_search(manifest, match, line) ? match[1].str() : "";
}

uintmax_t size_of(const fs::path& dir) {
  uintmax_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

std::vector<RealCrate> all_real_crates() {
  std::vector<std::pair<uintmax_t, RealCrate>> sized;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(kDebianRegistry, error)) {
    std::string manifest = read_file(entry.path() / "Cargo.toml");
    catalogue::Crate krate{.name = manifest_value(manifest, "name"),
                           .version = manifest_value(manifest, "version")};
    if (krate.name.empty() || entry.path().filename() != krate.name + "-" + krate.version) continue;
    sized.emplace_back(size_of(entry.path()), RealCrate{krate, entry.path()});
  }
  std::sort(sized.begin(), sized.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RealCrate> crates;
  crates.reserve(sized.size());
  for (auto& [bytes, krate] : sized) crates.push_back(std::move(krate));
  return crates;
}

/// All of them, smallest first; `at_least` of them or the set-up is wrong.
const std::vector<RealCrate>& real_crates(size_t at_least) {
  static const std::vector<RealCrate> crates = all_real_crates();
  if (crates.size() < at_least) {
    throw std::runtime_error("these tests need " + std::to_string(at_least) + " real crates in " +
                             kDebianRegistry.string() + " but it holds " +
                             std::to_string(crates.size()) +
                             ": the test set-up must install librust-*-dev packages (CI does)");
  }
  return crates;
}

}  // namespace

std::vector<RealCrate> smallest_real_crates(size_t count) {
  const auto& crates = real_crates(count);
  return {crates.begin(), crates.begin() + static_cast<std::ptrdiff_t>(count)};
}

RealCrate median_real_crate() {
  const auto& crates = real_crates(3);
  return crates[crates.size() / 2];
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "cah-registry-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> tree;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    std::string& value = tree[entry.path().lexically_relative(root).string()];
    fs::file_status status = entry.symlink_status();
    if (fs::is_symlink(status)) {
      value = "symlink -> " + fs::read_symlink(entry.path()).string();
    } else if (fs::is_directory(status)) {
      value = "dir";
    } else {
      bool executable = (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
      value = std::string(executable ? "file 755 " : "file 644 ") + read_file(entry.path());
    }
  }
  return tree;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& file, const std::string& contents) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace registry::testing
