#pragma once
// A .crate's entry names are untrusted. These checks decide from the names
// alone whether an entry, a hard link or a symlink stays inside the crate's
// folder; ConfinedDir then makes sure the disk cannot disagree.

#include <string>
#include <string_view>
#include <vector>

namespace registry {

/// A path below the crate's folder, one component per element; empty for
/// the folder itself. Never holds "", "." or "..".
using RelativePath = std::vector<std::string>;

/// "src/lib.rs"; "." for the folder itself.
std::string to_string(const RelativePath& path);

/// An archive entry's name ("serde-1.0.0/src/lib.rs") split into its top
/// folder ("serde-1.0.0") and the path below it ({"src", "lib.rs"}).
struct EntryPath {
  std::string top;
  RelativePath below;
};

/// Empty and "." components are dropped. Throws std::invalid_argument
/// saying why the name is refused ("absolute path", "'..' component").
EntryPath parse_entry_path(std::string_view name);

/// Whether a symlink at `link` whose contents are `target` resolves inside
/// the crate's folder. Only relative targets whose ".." components all come
/// first qualify: "../LICENSE" from "sub/LICENSE" does, "a/../.." never does,
/// because "a" may itself be a symlink that makes the climb go further than
/// the names say.
bool symlink_stays_inside(const RelativePath& link, std::string_view target);

}  // namespace registry
