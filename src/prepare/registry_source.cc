#include "prepare/registry_source.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace prepare {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void replace_all(std::string& text, std::string_view marker, std::string_view value) {
  for (size_t at = text.find(marker); at != std::string::npos;
       at = text.find(marker, at + value.size())) {
    text.replace(at, marker.size(), value);
  }
}

/// The folder part of an index path, keeping the name's case.
std::string prefix_of(std::string_view name) {
  const std::string n(name);
  switch (n.size()) {
    case 0:
      return {};
    case 1:
      return "1";
    case 2:
      return "2";
    case 3:
      return "3/" + n.substr(0, 1);
    default:
      return n.substr(0, 2) + "/" + n.substr(2, 2);
  }
}

}  // namespace

RegistrySource parse_registry(std::string_view spec) {
  RegistrySource source{.spec = std::string(spec)};
  if (spec == "crates-io") {
    source.index = kCratesIoIndex;
    return source;
  }
  if (spec.starts_with("sparse+")) {
    std::string url(spec.substr(7));
    if (!url.starts_with("http://") && !url.starts_with("https://")) {
      throw std::invalid_argument("--registry " + std::string(spec) +
                                  ": a sparse registry is sparse+http(s)://HOST/PATH/");
    }
    if (!url.ends_with('/')) url += '/';
    source.index = url;
    return source;
  }
  if (spec.find("://") != std::string_view::npos) {
    throw std::invalid_argument("--registry " + std::string(spec) +
                                ": give crates-io, sparse+http(s)://HOST/PATH/ or a folder");
  }
  const std::filesystem::path path(spec);
  if (!std::filesystem::is_directory(path)) {
    throw std::invalid_argument("--registry " + std::string(spec) +
                                ": not a folder (give crates-io, sparse+http(s)://HOST/PATH/ or "
                                "the path of a local registry)");
  }
  source.path = std::filesystem::absolute(path).string();
  source.kind = std::filesystem::is_directory(path / "index") ? RegistrySource::Kind::kLocalRegistry
                                                              : RegistrySource::Kind::kDirectory;
  return source;
}

std::string index_file(std::string_view name) {
  const std::string low = lower(name);
  switch (low.size()) {
    case 0:
      return {};
    case 1:
      return "1/" + low;
    case 2:
      return "2/" + low;
    case 3:
      return "3/" + low.substr(0, 1) + "/" + low;
    default:
      return low.substr(0, 2) + "/" + low.substr(2, 2) + "/" + low;
  }
}

std::string download_url(std::string_view dl, std::string_view name, std::string_view version,
                         std::string_view checksum) {
  std::string url(dl);
  const bool markers =
      url.find("{crate}") != std::string::npos || url.find("{version}") != std::string::npos ||
      url.find("{prefix}") != std::string::npos || url.find("{lowerprefix}") != std::string::npos ||
      url.find("{sha256-checksum}") != std::string::npos;
  if (!markers) {
    while (url.ends_with('/')) url.pop_back();
    return url + "/" + std::string(name) + "/" + std::string(version) + "/download";
  }
  const std::string prefix = prefix_of(name);
  replace_all(url, "{crate}", name);
  replace_all(url, "{version}", version);
  replace_all(url, "{lowerprefix}", lower(prefix));
  replace_all(url, "{prefix}", prefix);
  replace_all(url, "{sha256-checksum}", checksum);
  return url;
}

std::string dl_of_config(std::string_view config_json) {
  try {
    const nlohmann::json config = nlohmann::json::parse(config_json);
    return config.at("dl").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("the index's config.json has no \"dl\": ") + e.what());
  }
}

std::optional<IndexVersion> find_in_index(std::string_view index_text, std::string_view version) {
  size_t start = 0;
  while (start < index_text.size()) {
    size_t end = index_text.find('\n', start);
    if (end == std::string_view::npos) end = index_text.size();
    const std::string_view line = index_text.substr(start, end - start);
    start = end + 1;
    if (line.find("\"vers\"") == std::string_view::npos) continue;
    const nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded() || !entry.is_object()) continue;
    if (entry.value("vers", "") != version) continue;
    return IndexVersion{entry.value("cksum", ""), entry.value("yanked", false)};
  }
  return std::nullopt;
}

}  // namespace prepare
