#pragma once
// Where a source path printed in a report points: the crate under test, one
// of its dependencies (by the NAME-VERSION directory it is unpacked in: the
// cargo registry, a directory registry, a vendor folder), the system (the
// standard library, the tools' runtimes, libc), or somewhere that does not
// tell.

#include <cstdint>
#include <string>
#include <string_view>

namespace diagnosis {

struct SourceOrigin {
  /// A report names the first frame that is not kSystem.
  enum class Kind : uint8_t { kSystem, kCrate, kDependency, kUnknown };
  Kind kind = Kind::kUnknown;
  std::string dependency;  // for kDependency: the crate's name
  std::string version;     // for kDependency: its version; "" for a git checkout
};

/// `relative_is_crate`: rustc and Miri print the crate's own files relative to
/// it ("src/lib.rs"); a symbolizer prints absolute paths for those and
/// relative ones only for system libraries ("nptl/pthread_create.c").
SourceOrigin source_origin(std::string_view path, bool relative_is_crate);

/// "smallvec" for "smallvec-1.10.0", "sha-1" for "sha-1-0.10.0", "foo" for
/// "foo-1.0.0-alpha.1"; "" when `dir` does not end in a semver version.
std::string_view crate_of_package_dir(std::string_view dir);
/// The version of the same: "1.10.0", "0.10.0", "1.0.0-alpha.1"; "" likewise.
std::string_view version_of_package_dir(std::string_view dir);

/// The path of a location: "src/lib.rs" for "src/lib.rs:10:5: 10:18".
std::string_view path_of_location(std::string_view location);

}  // namespace diagnosis
