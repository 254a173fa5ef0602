#include "registry/crate_file.h"

#include <system_error>

#include "registry/registry.h"
#include "registry/sha256.h"
#include "registry/unpack.h"

namespace registry {

void unpack_crate_file(const catalogue::Crate& krate, const CrateFile& file,
                       const std::filesystem::path& target) {
  using Reason = FetchError::Reason;
  if (!file.expected_sha256.empty()) {
    std::string actual;
    try {
      actual = sha256_file(file.path);
    } catch (const std::system_error& e) {
      throw FetchError(Reason::kUnavailable, krate, e.what());
    }
    if (actual != file.expected_sha256) {
      throw FetchError(Reason::kInvalid, krate,
                       "checksum mismatch for " + file.origin + ": expected " +
                           file.expected_sha256 + ", got " + actual);
    }
  }
  try {
    unpack_crate(file.path, target);
  } catch (const UnpackError& e) {
    std::string cause = e.what();
    if (file.origin != file.path.string()) cause += " (from " + file.origin + ")";
    throw FetchError(e.local_failure() ? Reason::kUnavailable : Reason::kInvalid, krate, cause);
  }
}

}  // namespace registry
