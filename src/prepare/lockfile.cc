#include "prepare/lockfile.h"

#include <toml++/toml.h>

#include <stdexcept>

namespace prepare {

std::vector<LockedPackage> read_lockfile(const std::filesystem::path& path) {
  toml::table lock;
  try {
    lock = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error("cannot read " + path.string() + ": " + std::string(e.description()));
  }
  std::vector<LockedPackage> packages;
  const toml::array* list = lock["package"].as_array();
  if (list == nullptr) return packages;
  for (const toml::node& node : *list) {
    const toml::table* package = node.as_table();
    if (package == nullptr) continue;
    LockedPackage locked{
        .name = (*package)["name"].value_or(std::string()),
        .version = (*package)["version"].value_or(std::string()),
        .source = (*package)["source"].value_or(std::string()),
        .checksum = (*package)["checksum"].value_or(std::string()),
    };
    if (locked.name.empty() || locked.version.empty()) {
      throw std::runtime_error(path.string() + ": a package without name or version");
    }
    packages.push_back(std::move(locked));
  }
  // Lockfile format 1 keeps checksums in a [metadata] table.
  if (const toml::table* metadata = lock["metadata"].as_table()) {
    for (LockedPackage& package : packages) {
      if (!package.checksum.empty()) continue;
      const std::string key =
          "checksum " + package.name + " " + package.version + " (" + package.source + ")";
      if (auto sum = (*metadata)[key].value<std::string>()) package.checksum = *sum;
    }
  }
  return packages;
}

}  // namespace prepare
