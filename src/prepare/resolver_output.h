#pragma once
// What cargo said when it could not resolve a crate's dependencies or read
// its manifest, sorted into the crate's own fault (broken: no published
// version satisfies a requirement) and everything else (the network, the
// registry, us), which must never be shown as the crate's fault.

#include <optional>
#include <string_view>

#include "result/record.h"

namespace prepare {

/// The broken reason for what `cargo generate-lockfile` (or `cargo update`)
/// printed when it failed, or nothing when the failure is not provably the
/// crate's (no connection, a 500, a timeout, anything not recognised).
std::optional<result::Broken> broken_by_resolution(std::string_view output);

/// The broken reason for a failed `cargo metadata --no-deps`: the manifest
/// itself, or a newer cargo it asks for.
result::Broken broken_by_manifest(std::string_view output);

}  // namespace prepare
