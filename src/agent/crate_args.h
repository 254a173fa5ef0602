#pragma once
// The cargo arguments a crate asks to be built with, read from its
// Cargo.toml the way docs.rs does (and crater-at-home's get-args did): the
// first of [package.metadata.docs.rs], [package.metadata.docs-rs] and
// [package.metadata.playground] that is present gives `features`,
// `all-features` and `no-default-features`.
//
// docs.rs builds on nightly, so its metadata may turn on features that use
// #![feature]: on a toolchain that refuses those (stable, beta, 1.80.0) the
// two docs.rs tables are passed over, with a note for the log, and only the
// playground's (which play.rust-lang.org builds on every channel) applies.

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
  /// For the crate's log when docs.rs metadata was passed over, e.g.
  /// "docs.rs metadata (--all-features) not applied: it is meant for nightly
  /// and the toolchain is stable"; empty otherwise.
  std::string note;
};

/// The toolchain the args are for: whether it accepts #![feature] (a
/// nightly, or any toolchain with RUSTC_BOOTSTRAP=1) and its name for notes.
struct ArgsToolchain {
  std::string name = "nightly";
  bool unstable = true;
};

/// Whether `toolchain` accepts #![feature]: false for "stable", "beta",
/// "stable-…", "beta-…" and release numbers ("1.80.0", "1.80-x86_64-…"),
/// unless `rustc_bootstrap` (the value of RUSTC_BOOTSTRAP) is "1"; true for
/// nightlies and for custom toolchains, which are built from nightly sources.
bool accepts_unstable_features(std::string_view toolchain, std::string_view rustc_bootstrap);

/// From the text of a Cargo.toml; `origin` names it in warnings.
CrateArgs crate_args(std::string_view manifest, std::string_view origin,
                     const ArgsToolchain& toolchain = {});
/// From a Cargo.toml file; one that cannot be read gives no args and a warning.
CrateArgs read_crate_args(const std::filesystem::path& manifest,
                          const ArgsToolchain& toolchain = {});

}  // namespace agent
