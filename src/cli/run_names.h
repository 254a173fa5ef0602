#pragma once
// What the commands that publish a run (`sync`, `compare`, `run`'s own
// sync) share: refusing a run name nothing knows (a typo would publish an
// empty site), and telling the user which objects were skipped.

#include <string>
#include <string_view>
#include <vector>

#include "publish/publish.h"
#include "store/store.h"

namespace cli {

/// The exit status for a run name that has no results and is no tool.
inline constexpr int kUnknownRunStatus = 2;
/// The exit status of a sync that published the site without some objects
/// it could not read (docs/decisions.md).
inline constexpr int kSkippedObjectsStatus = 3;

/// What makes a run's name known: `sync` publishes a tool's (empty) site
/// before its first result, `compare` needs results on both sides.
enum class Known { kToolOrResults, kResults };

/// Empty when `name` has results in `store` or, for kToolOrResults, is a
/// tool of `tools_file` (empty: the default tools file); else the message
/// refusing it, listing the known names.
std::string unknown_run(store::Store& store, std::string_view name, Known known,
                        const std::string& tools_file = {});

/// One warning per skipped object on stderr, naming its key.
void print_skipped(const std::vector<publish::Skipped>& skipped);

}  // namespace cli
