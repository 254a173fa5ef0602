#include "registry/local_registry.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

#include "registry/crate_file.h"

namespace registry {

namespace fs = std::filesystem;

LocalRegistry::LocalRegistry(fs::path root) : root_(std::move(root)) {}

fs::path LocalRegistry::index_path(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  switch (lower.size()) {
    case 1:
      return fs::path("1") / lower;
    case 2:
      return fs::path("2") / lower;
    case 3:
      return fs::path("3") / lower.substr(0, 1) / lower;
    default:
      return fs::path(lower.substr(0, 2)) / lower.substr(2, 2) / lower;
  }
}

std::optional<std::string> LocalRegistry::find_in_index(const catalogue::Crate& krate) const {
  std::ifstream index(root_ / "index" / index_path(krate.name));
  std::string line;
  while (std::getline(index, line)) {
    // One JSON object per version; a line we cannot read is skipped, as
    // cargo does.
    auto version = nlohmann::json::parse(line, nullptr, false);
    if (!version.is_object()) continue;
    auto vers = version.find("vers");
    if (vers == version.end() || !vers->is_string() || *vers != krate.version) continue;
    auto cksum = version.find("cksum");
    return cksum != version.end() && cksum->is_string() ? cksum->get<std::string>() : "";
  }
  return std::nullopt;
}

void LocalRegistry::fetch(const catalogue::Crate& krate, const fs::path& target) {
  using Reason = FetchError::Reason;
  check_request(krate, target);
  std::optional<std::string> indexed = find_in_index(krate);
  if (!indexed) {
    throw FetchError(Reason::kNotFound, krate.name + " " + krate.version +
                                            " is not in local registry " + root_.string());
  }
  fs::path crate_file = root_ / (krate.name + "-" + krate.version + ".crate");
  if (!fs::is_regular_file(crate_file)) {
    throw FetchError(Reason::kInvalid, krate,
                     "local registry " + root_.string() + " lists it but has no " +
                         crate_file.filename().string());
  }
  const std::string& expected = krate.checksum.empty() ? *indexed : krate.checksum;
  unpack_crate_file(krate, {crate_file, crate_file.string(), expected}, target);
}

std::string LocalRegistry::describe() const { return "local registry " + root_.string(); }

}  // namespace registry
