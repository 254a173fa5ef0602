#pragma once
// A Registry is where a crate's source comes from: crates.io's static host,
// or a registry on local disk (Debian's /usr/share/cargo/registry, a `cargo
// vendor` folder, a cargo local-registry). Each kind implements fetch() and
// is chosen from one spec string, as ccache picks a storage by URL.

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "catalogue/crate.h"

namespace registry {

/// One line naming the crate and the cause, e.g. "serde 1.0.0: cannot
/// download https://...: 404 Not Found" or "serde 1.0.0 is not in local
/// registry /srv/registry".
class FetchError : public std::runtime_error {
 public:
  /// What a sweep should do about it.
  enum class Reason {
    /// The registry does not have this crate or version: record it as such.
    kNotFound,
    /// What the registry holds is bad: checksum mismatch, broken or hostile
    /// archive. Record it; trying again gives the same.
    kInvalid,
    /// The network or the disk failed us: try again later.
    kUnavailable,
  };

  /// "NAME VERSION: cause".
  FetchError(Reason reason, const catalogue::Crate& krate, const std::string& cause);
  FetchError(Reason reason, const std::string& message);
  Reason reason() const { return reason_; }

 private:
  Reason reason_;
};

class Registry {
 public:
  virtual ~Registry() = default;
  /// Puts the source of `krate` into `target` (which must not exist yet), so
  /// that target/Cargo.toml is the crate's manifest. On failure, throws
  /// FetchError and leaves no `target` behind.
  virtual void fetch(const catalogue::Crate& krate, const std::filesystem::path& target) = 0;
  /// "crates-io (https://static.crates.io)" or "local registry /path", for
  /// messages.
  virtual std::string describe() const = 0;

 protected:
  /// What every fetch() checks first. A name or version that no registry
  /// can hold ("../x", "a/b") is a FetchError (kNotFound): it would
  /// otherwise become a path or URL of its own. A `target` that exists is a
  /// caller's bug: std::invalid_argument.
  static void check_request(const catalogue::Crate& krate, const std::filesystem::path& target);
};

/// `spec` is "crates-io" (from https://static.crates.io, or from
/// `crates_io_base` when given, e.g. a mirror) or the path of a local
/// registry: a folder with an index/ folder is a cargo local-registry, any
/// other folder a directory registry. Throws std::invalid_argument if the
/// path is not a folder.
std::unique_ptr<Registry> open_registry(const std::string& spec,
                                        const std::string& crates_io_base = "");

}  // namespace registry
