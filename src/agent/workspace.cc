#include "agent/workspace.h"

#include <fcntl.h>

#include <cerrno>
#include <system_error>

#include "registry/unpack.h"
#include "util/fd.h"

namespace agent {
namespace {

namespace fs = std::filesystem;

/// A folder without write permission keeps its entries from remove_all.
void make_folders_writable(const fs::path& dir) {
  std::error_code error;
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, error);
  for (auto it = fs::recursive_directory_iterator(
           dir, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_directory(error) && !it->is_symlink(error)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, error);
    }
  }
}

}  // namespace

void wipe_contents(const fs::path& dir) {
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::error_code error;
    fs::remove_all(entry.path(), error);
    if (error) {
      if (entry.is_directory() && !entry.is_symlink()) make_folders_writable(entry.path());
      fs::remove_all(entry.path());  // throws if it still fails
    }
  }
}

void place_source(const Source& source, const fs::path& build_dir) {
  std::error_code error;
  switch (source.kind) {
    case Source::Kind::kDirectory:
      if (!fs::is_directory(source.path, error)) {
        throw SourceError("crate source '" + source.path + "' is not a directory");
      }
      fs::copy(source.path, build_dir,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks, error);
      if (error) {
        throw SourceError("cannot copy '" + source.path + "' to '" + build_dir.string() +
                          "': " + error.message());
      }
      return;
    case Source::Kind::kNone:
      return;
    case Source::Kind::kInline:
      throw SourceError("an inline job's files come with it, not from a path");
    case Source::Kind::kArchive:
      try {
        registry::unpack_crate(source.path, build_dir);
      } catch (const std::exception& e) {
        throw SourceError(e.what());
      }
      return;
  }
  throw SourceError("unknown kind of crate source");
}

void place_inline_files(const FilesReader& read, const fs::path& build_dir,
                        const fs::path& deps_dir) {
  try {
    registry::unpack_tar_stream(read, {{kInlineSourceTop, build_dir}, {kInlineDepsTop, deps_dir}});
  } catch (const registry::UnpackError& e) {
    throw SourceError(e.what());
  }
  std::error_code error;
  if (!fs::is_regular_file(fs::symlink_status(build_dir / "Cargo.toml", error))) {
    throw SourceError(std::string("the job's files have no ") + kInlineSourceTop + "/Cargo.toml");
  }
}

void write_cargo_config(const fs::path& cargo_home, std::string_view config) {
  const fs::path file = cargo_home / "config.toml";
  // A symlink the crate put there goes, not what it points to; and cargo
  // would prefer the old name, config, to ours.
  fs::remove_all(cargo_home / "config");
  fs::remove_all(file);
  const util::Fd fd(open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (const int error = fd ? util::write_all(fd.get(), config) : errno; error != 0) {
    throw fs::filesystem_error("cannot write", file,
                               std::error_code(error, std::generic_category()));
  }
}

}  // namespace agent
