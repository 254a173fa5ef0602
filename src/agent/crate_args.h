#pragma once
// The cargo arguments a crate asks to be built with, read from its
// Cargo.toml the way docs.rs does (and crater-at-home's get-args did): the
// first of [package.metadata.docs.rs], [package.metadata.docs-rs] and
// [package.metadata.playground] that is present gives `features`,
// `all-features` and `no-default-features`.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace agent {

struct CrateArgs {
  /// For cargo: "--features=a,b", "--all-features", "--no-default-features",
  /// in that order, each only if asked for.
  std::vector<std::string> args;
  /// The table the args came from, e.g. "package.metadata.docs.rs"; empty
  /// if the manifest has none.
  std::string table;
  /// What was ignored and why. Bad metadata never fails a crate: the crate
  /// is tested without the part that could not be read.
  std::vector<std::string> warnings;
};

/// From the text of a Cargo.toml; `origin` names it in warnings.
CrateArgs crate_args(std::string_view manifest, std::string_view origin);
/// From a Cargo.toml file; one that cannot be read gives no args and a warning.
CrateArgs read_crate_args(const std::filesystem::path& manifest);

}  // namespace agent
