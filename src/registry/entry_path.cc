#include "registry/entry_path.h"

#include <stdexcept>

namespace registry {
namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> components;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view component = path.substr(0, slash);
    if (!component.empty() && component != ".") components.push_back(component);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return components;
}

}  // namespace

std::string to_string(const RelativePath& path) {
  if (path.empty()) return ".";
  std::string result;
  for (const auto& component : path) {
    if (!result.empty()) result += '/';
    result += component;
  }
  return result;
}

EntryPath parse_entry_path(std::string_view name) {
  if (name.starts_with('/')) throw std::invalid_argument("absolute path");
  std::vector<std::string_view> components = split(name);
  if (components.empty()) throw std::invalid_argument("empty name");
  EntryPath result;
  for (std::string_view component : components) {
    if (component == "..") throw std::invalid_argument("'..' component");
    if (result.top.empty()) {
      result.top = component;
    } else {
      result.below.emplace_back(component);
    }
  }
  return result;
}

bool symlink_stays_inside(const RelativePath& link, std::string_view target) {
  if (target.empty() || target.starts_with('/') || link.empty()) return false;
  // The link's own folder is a real directory (ConfinedDir never creates
  // anything through a symlink), so climbing from it is what the names say.
  size_t depth = link.size() - 1;
  bool descending = false;
  for (std::string_view component : split(target)) {
    if (component != "..") {
      descending = true;
    } else if (descending || depth == 0) {
      return false;
    } else {
      --depth;
    }
  }
  return true;
}

}  // namespace registry
