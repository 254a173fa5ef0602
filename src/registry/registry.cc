#include "registry/registry.h"

#include "registry/crates_io.h"
#include "registry/directory_registry.h"
#include "registry/local_registry.h"

namespace registry {

FetchError::FetchError(Reason reason, const catalogue::Crate& krate, const std::string& cause)
    : FetchError(reason, krate.name + " " + krate.version + ": " + cause) {}

FetchError::FetchError(Reason reason, const std::string& message)
    : std::runtime_error(message), reason_(reason) {}

void Registry::check_request(const catalogue::Crate& krate, const std::filesystem::path& target) {
  // crates.io's rules: names are ASCII letters, digits, '-' and '_';
  // versions are semver, which adds '.' and '+'.
  const std::string name_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  auto valid = [](const std::string& text, const std::string& allowed) {
    return !text.empty() && text.size() <= 256 && text.find_first_not_of(allowed) == text.npos;
  };
  if (!valid(krate.name, name_chars) || !valid(krate.version, name_chars + ".+")) {
    throw FetchError(FetchError::Reason::kNotFound, "'" + krate.name + "' '" + krate.version +
                                                        "' is not a crate name and version");
  }
  if (std::filesystem::exists(std::filesystem::symlink_status(target))) {
    throw std::invalid_argument("fetch: " + target.string() + " already exists");
  }
}

std::unique_ptr<Registry> open_registry(const std::string& spec,
                                        const std::string& crates_io_base) {
  if (spec == "crates-io") {
    return std::make_unique<CratesIo>(crates_io_base.empty() ? CratesIo::kBase : crates_io_base);
  }
  std::filesystem::path path(spec);
  std::error_code error;
  if (!std::filesystem::is_directory(path, error)) {
    throw std::invalid_argument("registry '" + spec +
                                "' is neither \"crates-io\" nor the path of a folder");
  }
  if (std::filesystem::is_directory(path / "index", error)) {
    return std::make_unique<LocalRegistry>(path);
  }
  return std::make_unique<DirectoryRegistry>(path);
}

}  // namespace registry
