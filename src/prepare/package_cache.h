#pragma once
// The host folder that holds every published package a sweep needed, each
// downloaded once and unpacked once, shared by all crates (and by runs that
// use the same folder at the same time). Workers see its packages/ folder
// read-only at /deps; each crate's directory source is a folder of symlinks
// into it (see Preparation).
//
//   ROOT/packages/NAME-VERSION/   a package's files, .cargo-checksum.json
//                                 (for cargo) and .cah-bytes (its size)
//   ROOT/homes/N/                 cargo homes for resolving (index caches)
//   ROOT/locks/NAME-VERSION.lock  held while one process fetches a package
//   ROOT/tmp/PID-*/               a live process's temporaries
//
// An entry appears whole or not at all: it is unpacked into ROOT/tmp and
// renamed into place, so a process killed at any moment leaves no partial
// entry, only temporaries that the next run removes. The cache is bounded
// by evicting the least recently used entries (a use touches the folder).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "registry/download.h"

namespace prepare {

class PackageCache {
 public:
  explicit PackageCache(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path packages() const { return root_ / "packages"; }
  std::filesystem::path package(const std::string& folder) const { return packages() / folder; }
  std::filesystem::path home(unsigned slot) const;

  struct Ensured {
    /// Bytes this call added to the cache; 0 when the package was there.
    uint64_t bytes_added = 0;
    bool downloaded = false;
  };
  /// Makes sure NAME-VERSION is in the cache, downloading `url` when it is
  /// not, checking its SHA-256 against `checksum` and unpacking it; marks it
  /// used. Throws registry::FetchError: kInvalid for a checksum mismatch or
  /// a broken archive, kNotFound, kUnavailable after retries.
  Ensured ensure(const std::string& name, const std::string& version, const std::string& checksum,
                 const std::string& url, const registry::DownloadOptions& download = {});

  /// A fresh folder of our own under ROOT/tmp, removed with the process's
  /// other temporaries by the next run if we die.
  std::filesystem::path make_scratch() const;
  /// Removes the temporaries of processes that are gone; returns how many.
  size_t remove_stale_temporaries() const;

  struct Usage {
    uint64_t bytes = 0;
    size_t packages = 0;
  };
  Usage usage() const;

  struct Evicted {
    uint64_t bytes = 0;
    size_t packages = 0;
  };
  /// Removes least recently used packages until the cache holds at most
  /// `max_bytes`, never one named in `keep` nor one used within `min_idle`
  /// (another run sharing the cache may be building with it).
  Evicted evict(uint64_t max_bytes, const std::set<std::string>& keep,
                std::chrono::seconds min_idle) const;

 private:
  std::filesystem::path root_;
};

/// $XDG_CACHE_HOME/crater-at-home, else ~/.cache/crater-at-home.
std::filesystem::path default_cache_dir();

}  // namespace prepare
