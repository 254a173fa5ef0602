#pragma once
// A crate-list file: the crates a user wants, as whitespace-separated
// `NAME`, `NAME@VERSION` or `NAME/VERSION`; `#` starts a comment.

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalogue/catalogue.h"

namespace catalogue {

struct CrateRequest {
  std::string name;
  std::optional<std::string> version;  // none: the catalogue's version to test
  int line = 0;
};

struct CrateList {
  std::vector<CrateRequest> requests;
  /// One line per malformed entry: "FILE:LINE: 'ENTRY': why".
  std::vector<std::string> errors;

  /// The (name, version) pairs the list pins, for sources that only keep
  /// the versions someone asked for.
  std::set<std::pair<std::string, std::string>> pinned_versions() const;
};

/// Parses the text of a crate list; `origin` names it in errors.
CrateList parse_crate_list(std::string_view text, std::string_view origin);
/// Reads and parses a crate-list file. Throws std::runtime_error if it
/// cannot be read.
CrateList read_crate_list(const std::filesystem::path& path);

/// The list's crates as the catalogue has them, each once, most downloaded
/// first. A request the catalogue cannot satisfy adds one line to `errors`.
std::vector<Crate> resolve(const CrateList& list, const Catalogue& catalogue,
                           std::vector<std::string>& errors);

/// Whether `name` can be a crate's name (crates.io's rule: ASCII letters,
/// digits, '-' and '_', starting with a letter, at most 64 characters).
bool valid_crate_name(std::string_view name);

}  // namespace catalogue
