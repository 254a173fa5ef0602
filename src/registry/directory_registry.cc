#include "registry/directory_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>
#include <system_error>

#include "registry/confined_dir.h"
#include "registry/fresh_directory.h"
#include "util/fd.h"

namespace registry {
namespace {

namespace fs = std::filesystem;

/// The crate's folder holds something a crate must not: not worth retrying.
class Refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

RelativePath components_of(const fs::path& relative) {
  RelativePath path;
  for (const auto& component : relative) path.push_back(component.string());
  return path;
}

void copy_contents(const fs::path& from, int to) {
  util::Fd in(::open(from.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot read " + from.string());
  std::array<char, size_t{64} * 1024> buffer;
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw std::system_error(errno, std::generic_category(), "cannot read " + from.string());
    }
    if (n == 0) return;
    if (const int error = util::write_all(to, std::string_view(buffer.data(), n)); error != 0) {
      throw std::system_error(error, std::generic_category(), "cannot write");
    }
  }
}

void copy_entry(const fs::directory_entry& entry, const RelativePath& path, ConfinedDir& out) {
  fs::file_status status = entry.symlink_status();
  if (fs::is_directory(status)) {
    out.make_directory(path);
  } else if (fs::is_regular_file(status)) {
    bool executable = (status.permissions() & (fs::perms::owner_exec | fs::perms::group_exec |
                                               fs::perms::others_exec)) != fs::perms::none;
    util::Fd file = out.create_file(path, executable ? 0755 : 0644);
    copy_contents(entry.path(), file.get());
  } else if (fs::is_symlink(status)) {
    std::string target = fs::read_symlink(entry.path()).string();
    if (!symlink_stays_inside(path, target)) {
      throw Refused(to_string(path) + " is a symlink to '" + target + "', outside the crate");
    }
    out.create_symlink(path, target);
  } else {
    throw Refused(to_string(path) + " is not a file, folder or symlink");
  }
}

void copy_tree(const fs::path& from, ConfinedDir& out) {
  // Pre-order: a folder comes before what it holds. Symlinked folders are
  // copied as symlinks, never entered.
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    copy_entry(entry, components_of(entry.path().lexically_relative(from)), out);
  }
}

/// The [package] name and version in a folder's Cargo.toml.
std::optional<std::pair<std::string, std::string>> package_of(const fs::path& folder) {
  try {
    const toml::table manifest = toml::parse_file((folder / "Cargo.toml").string());
    const auto name = manifest["package"]["name"].value<std::string>();
    const auto version = manifest["package"]["version"].value<std::string>();
    if (name && version) return std::make_pair(*name, *version);
  } catch (const std::exception&) {
    // Not a crate's folder.
  }
  return std::nullopt;
}

}  // namespace

DirectoryRegistry::DirectoryRegistry(fs::path root) : root_(std::move(root)) {}

std::optional<fs::path> DirectoryRegistry::folder_of(const catalogue::Crate& krate) {
  const std::pair<std::string, std::string> wanted{krate.name, krate.version};
  const fs::path usual = root_ / (krate.name + "-" + krate.version);
  std::error_code error;
  if (fs::is_directory(usual, error) && package_of(usual) == wanted) return usual;
  if (!manifests_) {
    manifests_.emplace();
    for (const auto& entry : fs::directory_iterator(root_, error)) {
      if (!entry.is_directory(error)) continue;
      if (auto package = package_of(entry.path())) manifests_->emplace(*package, entry.path());
    }
  }
  const auto found = manifests_->find(wanted);
  if (found == manifests_->end()) return std::nullopt;
  return found->second;
}

void DirectoryRegistry::fetch(const catalogue::Crate& krate, const fs::path& target) {
  using Reason = FetchError::Reason;
  check_request(krate, target);
  const std::optional<fs::path> found = folder_of(krate);
  if (!found) {
    throw FetchError(Reason::kNotFound, krate.name + " " + krate.version +
                                            " is not in local registry " + root_.string());
  }
  const fs::path& source = *found;
  try {
    FreshDirectory directory(target);
    ConfinedDir out(target);
    copy_tree(source, out);
    if (!fs::exists(target / "Cargo.toml")) throw Refused("no Cargo.toml");
    directory.keep();
  } catch (const Refused& e) {
    throw FetchError(Reason::kInvalid, krate, "cannot copy " + source.string() + ": " + e.what());
  } catch (const std::exception& e) {
    throw FetchError(Reason::kUnavailable, krate,
                     "cannot copy " + source.string() + ": " + e.what());
  }
}

std::string DirectoryRegistry::describe() const { return "local registry " + root_.string(); }

}  // namespace registry
