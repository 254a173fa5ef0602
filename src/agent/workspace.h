#pragma once
// The places a job may write: emptied before each job, so that one crate
// never builds on what another left, and after, so that nothing it wrote
// outlives it. The folders themselves stay: they may be mount points.

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string_view>

#include "agent/job.h"

namespace agent {

/// The crate's source could not be put in place: the job cannot start.
class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Removes everything inside `dir`, even folders a build made read-only;
/// creates `dir` if it is missing. Throws std::filesystem::filesystem_error.
void wipe_contents(const std::filesystem::path& dir);

/// Fills the empty `build_dir` with the crate: a copy of a directory, or an
/// unpacked .crate file. Throws SourceError (also for kInline: see below).
void place_source(const Source& source, const std::filesystem::path& build_dir);

/// The next bytes of an inline job's tar; empty at its end.
using FilesReader = std::function<std::string_view()>;

/// An inline job's files: source/ into the empty `build_dir`, deps/ into
/// `deps_dir` (missing or empty), unpacked as they are read, with the
/// checks of a hostile .crate. Throws SourceError (also for files without
/// source/Cargo.toml); what `read` throws (the job was stopped) comes out
/// as it was.
void place_inline_files(const FilesReader& read, const std::filesystem::path& build_dir,
                        const std::filesystem::path& deps_dir);

/// Writes `config` as cargo_home/config.toml, replacing whatever is there
/// (and removing a config, which cargo would read instead): a cargo home
/// inside the build folder may hold those the crate came with. Throws
/// std::filesystem::filesystem_error.
void write_cargo_config(const std::filesystem::path& cargo_home, std::string_view config);

}  // namespace agent
