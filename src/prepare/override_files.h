#pragma once
// Files in a crate that would change how cargo or rustup behave for us:
// every `.cargo/config` and `.cargo/config.toml` (a `rustc-wrapper` there
// runs a program of the crate's during `cargo metadata`, on the preparing
// machine, with network; a `[source]` table redirects the build), and
// `rust-toolchain` / `rust-toolchain.toml` (rustup would install what it
// names). They are deleted before the first cargo call, as rustwide does.

#include <filesystem>
#include <string>
#include <vector>

namespace prepare {

/// Deletes every override file under `crate_dir`, at any depth, never
/// following a symlink; returns their paths relative to `crate_dir`.
std::vector<std::string> remove_override_files(const std::filesystem::path& crate_dir);

}  // namespace prepare
