#pragma once
// What a run runs with, found once on the host before any crate: the tool,
// the toolchain's version and commit (`rustc +TOOLCHAIN -vV`) and the tool's
// flags. Every record of the run carries it (result::RunIdentity), so that
// `compare` can say what two runs differed in.

#include <string>
#include <string_view>

#include "result/record.h"
#include "tools/tool.h"

namespace queue {

/// Fills toolchain_version and toolchain_commit from `rustc -vV`'s output
/// ("release: 1.95.0-nightly", "commit-hash: f2d3..."); leaves them empty
/// when absent.
void read_rustc_verbose_version(std::string_view text, result::RunIdentity& identity);

/// Runs `rustc +TOOLCHAIN -vV` on the host; a rustc that cannot be run
/// leaves the version and commit empty.
result::RunIdentity describe_run(const tools::Tool& tool, const std::string& toolchain);

}  // namespace queue
