#pragma once
// Preparing one crate before its build, outside the build sandbox and ahead
// of the workers: its source is staged with the files that would change how
// cargo or rustup behave deleted, its manifest read, a lockfile resolved,
// and every package the lockfile pins put in the shared cache, so that the
// build runs with no network. No crate code runs here: cargo's `metadata`,
// `generate-lockfile` and `update` run no build scripts or proc macros.
//
// It runs in a child process (`crater-at-home prepare-crate`) whose
// environment holds nothing secret, never in the server's event loop. The
// outcome is ready (with the cargo configuration the job uses), broken
// (the crate cannot be tried, and why) or an error of ours (the network,
// the registry, a checksum that did not match).

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result/record.h"

namespace prepare {

struct PreparationRequest {
  std::string crate;
  std::string version;
  /// SHA-256 of the crate's .crate when the catalogue knows it; else the
  /// index is asked.
  std::string checksum;
  /// The --registry spec (see registry_source.h) and, for a sparse one,
  /// the `dl` of its config.json.
  std::string registry;
  std::string dl;
  /// `cargo +TOOLCHAIN`; empty: rustup's default.
  std::string toolchain;
  /// The toolchain's rustc version, "1.95.0", for package.rust-version.
  std::string rustc_version;
  /// The PackageCache root, and which of its cargo homes to resolve in.
  std::string cache;
  unsigned home = 0;
  /// The host folder the crate is staged into (NAME-VERSION/, and for a
  /// remote registry NAME-VERSION.deps/), and where workers see it.
  std::string staging;
  std::string sandbox_staging = "/crates";
  /// Where workers see the cache's packages/, and a local registry.
  std::string sandbox_deps = "/deps";
  std::string sandbox_registry = "/registry";
  /// Keep the crate's own Cargo.lock (updating only what it lacks) instead
  /// of resolving a fresh one.
  bool keep_lockfile = false;
  /// Also write the crate's inline files (bundle.h) as NAME-VERSION.tar in
  /// `staging`, for a worker on a remote engine, which sees none of our
  /// folders; and the cargo config for them, naming the folder where the
  /// agent puts deps/: SANDBOX_CARGO_HOME/crater-at-home-deps.
  bool bundle = false;
  std::string sandbox_cargo_home = "/cargo";
  /// For cargo's requests and ours.
  std::string user_agent;
  /// For each cargo call.
  uint32_t command_timeout_seconds = 600;
};

struct PreparationResult {
  enum class Status { kReady, kBroken, kError };
  Status status = Status::kError;
  std::optional<result::Broken> broken;
  /// kError: what went wrong, naming the URL or the command.
  std::string error;
  /// kReady: TOML for the job's $CARGO_HOME/config.toml, when the worker
  /// sees the staged crate and /deps (a Source::Kind::kDirectory job).
  std::string cargo_config;
  /// kReady, when the request asked for a bundle: the tar of the crate's
  /// inline files, its size, the time it took to write, and the config
  /// for a job that sends it (Source::Kind::kInline).
  std::string bundle;
  uint64_t bundle_bytes = 0;
  double bundle_seconds = 0;
  std::string inline_cargo_config;
  /// kReady: NAME-VERSION of every package the build uses from the cache.
  std::vector<std::string> packages;
  /// What preparation changed in the crate, for the top of its build log
  /// ("removed .cargo/config.toml: ...").
  std::vector<std::string> notes;
  uint64_t bytes_added = 0;
  size_t downloads = 0;
  double seconds = 0;
};

void to_json(nlohmann::json& out, const PreparationRequest& request);
void from_json(const nlohmann::json& in, PreparationRequest& request);
void to_json(nlohmann::json& out, const PreparationResult& result);
void from_json(const nlohmann::json& in, PreparationResult& result);

/// Prepares one crate. What cargo and we say goes to `log` as a terminal
/// would show it (the crate's log when it is not ready). Never throws for
/// the crate's or the network's faults: they are the result.
PreparationResult prepare_crate(const PreparationRequest& request,
                                const std::function<void(std::string_view)>& log);

/// Whether `required` (a package.rust-version: "1.70", "1.70.1") is newer
/// than `available` ("1.95.0").
bool rust_version_newer(std::string_view required, std::string_view available);

}  // namespace prepare
