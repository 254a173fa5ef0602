#include "catalogue/crate_list.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace catalogue {

namespace {

bool valid_version_text(std::string_view version) {
  // The version is checked against the catalogue later; here only what can
  // never be a version (an empty string, spaces are already split off).
  return !version.empty() && std::all_of(version.begin(), version.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
  });
}

/// `text` fit for a terminal: control bytes and `\` as \xHH, and bytes
/// above ASCII too unless `keep_utf8` (a path may be UTF-8; an entry, being
/// anything but white space, may be any bytes).
std::string printable(std::string_view text, bool keep_utf8) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || (byte > 0x7f && !keep_utf8) || c == '\\') {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool valid_crate_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

std::set<std::pair<std::string, std::string>> CrateList::pinned_versions() const {
  std::set<std::pair<std::string, std::string>> pinned;
  for (const auto& request : requests) {
    if (request.version) pinned.emplace(request.name, *request.version);
  }
  return pinned;
}

CrateList parse_crate_list(std::string_view text, std::string_view origin) {
  CrateList list;
  int line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    line = line.substr(0, line.find('#'));

    std::istringstream words{std::string(line)};
    std::string entry;
    while (words >> entry) {
      const size_t separator = entry.find_first_of("@/");
      CrateRequest request{entry.substr(0, separator), std::nullopt, line_number};
      std::string why;
      if (separator != std::string::npos) {
        request.version = entry.substr(separator + 1);
        if (!valid_version_text(*request.version))
          why = "not a version after the '" + std::string(1, entry[separator]) + "'";
      }
      if (!valid_crate_name(request.name)) why = "not a crate name";
      if (why.empty()) {
        list.requests.push_back(std::move(request));
      } else {
        std::string error = printable(origin, true);
        error += ":" + std::to_string(line_number) + ": '" + printable(entry, false) + "': " + why;
        error += " (expected NAME, NAME@VERSION or NAME/VERSION)";
        list.errors.push_back(std::move(error));
      }
    }
    if (end == text.size()) break;
  }
  return list;
}

CrateList read_crate_list(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read crate list " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_crate_list(text.str(), path.string());
}

std::vector<Crate> resolve(const CrateList& list, const Catalogue& catalogue,
                           std::vector<std::string>& errors) {
  std::vector<Crate> crates;
  std::set<std::pair<std::string, std::string>> seen;
  for (const CrateRequest& request : list.requests) {
    const Crate* crate = request.version ? catalogue.find(request.name, *request.version)
                                         : catalogue.find(request.name);
    if (crate == nullptr) {
      const bool known = catalogue.find(request.name) != nullptr;
      if (!request.version || !known) {
        errors.push_back("unknown crate '" + request.name + "': not in the catalogue");
      } else {
        errors.push_back("unknown version '" + request.name + "@" + *request.version +
                         "': the catalogue has " + request.name + " " +
                         catalogue.find(request.name)->version + " but not " + *request.version);
      }
      continue;
    }
    if (seen.emplace(crate->name, crate->version).second) crates.push_back(*crate);
  }
  std::stable_sort(crates.begin(), crates.end(), more_popular);
  return crates;
}

}  // namespace catalogue
