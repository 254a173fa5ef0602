#include "registry/crates_io.h"

#include <stdexcept>
#include <system_error>

#include "registry/crate_file.h"

namespace registry {
namespace {

/// The downloaded .crate, deleted once unpacked or on failure.
class DownloadedCrate {
 public:
  explicit DownloadedCrate(std::filesystem::path path) : path_(std::move(path)) {}
  ~DownloadedCrate() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  DownloadedCrate(const DownloadedCrate&) = delete;
  DownloadedCrate& operator=(const DownloadedCrate&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

CratesIo::CratesIo(std::string base, DownloadOptions options)
    : base_(std::move(base)), options_(options) {
  while (base_.ends_with('/')) base_.pop_back();
}

std::string CratesIo::url_of(const catalogue::Crate& krate) const {
  return base_ + "/crates/" + krate.name + "/" + krate.name + "-" + krate.version + ".crate";
}

void CratesIo::fetch(const catalogue::Crate& krate, const std::filesystem::path& target) {
  check_request(krate, target);
  const std::string url = url_of(krate);
  DownloadedCrate crate_file(target.string() + ".crate");
  try {
    if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
    download(url, crate_file.path(), options_);
  } catch (const DownloadError& e) {
    throw FetchError(
        e.not_found() ? FetchError::Reason::kNotFound : FetchError::Reason::kUnavailable, krate,
        e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    throw FetchError(FetchError::Reason::kUnavailable, krate, e.what());
  }
  unpack_crate_file(krate, {crate_file.path(), url, krate.checksum}, target);
}

std::string CratesIo::describe() const { return "crates-io (" + base_ + ")"; }

}  // namespace registry
