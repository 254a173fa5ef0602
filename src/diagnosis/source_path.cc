#include "diagnosis/source_path.h"

#include <array>
#include <optional>

namespace diagnosis {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// MAJOR.MINOR.PATCH, then an optional -PRE and +BUILD.
bool is_semver(std::string_view v) {
  size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    const size_t start = i;
    while (i < v.size() && is_digit(v[i])) ++i;
    if (i == start) return false;
    if (part < 2) {
      if (i == v.size() || v[i] != '.') return false;
      ++i;
    }
  }
  if (i == v.size()) return true;
  if ((v[i] != '-' && v[i] != '+') || i + 1 == v.size()) return false;
  for (++i; i < v.size(); ++i) {
    if (!is_alnum(v[i]) && v[i] != '.' && v[i] != '-' && v[i] != '+') return false;
  }
  return true;
}

// The path segment that starts at `pos`.
std::string_view segment_at(std::string_view path, size_t pos) {
  if (pos > path.size()) return {};
  const size_t end = path.find('/', pos);
  return path.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
}

SourceOrigin package_at(std::string_view dir) {
  return {SourceOrigin::Kind::kDependency, std::string(crate_of_package_dir(dir)),
          std::string(version_of_package_dir(dir))};
}

std::optional<SourceOrigin> dependency_of(std::string_view path) {
  // $CARGO_HOME/registry/src/INDEX/NAME-VERSION/...
  constexpr std::string_view kIndexed = "registry/src/";
  if (const size_t at = path.find(kIndexed); at != std::string_view::npos) {
    const size_t index_end = path.find('/', at + kIndexed.size());
    if (index_end != std::string_view::npos) {
      const std::string_view dir = segment_at(path, index_end + 1);
      if (!crate_of_package_dir(dir).empty()) return package_at(dir);
    }
  }
  // Directory registries: Debian's /usr/share/cargo/registry, our /registry
  // mount, vendored /crates and /deps.
  for (const std::string_view marker : {"/registry/", "/crates/", "/deps/", "/vendor/"}) {
    for (size_t at = path.find(marker); at != std::string_view::npos;
         at = path.find(marker, at + 1)) {
      const std::string_view dir = segment_at(path, at + marker.size());
      if (!crate_of_package_dir(dir).empty()) return package_at(dir);
    }
  }
  // $CARGO_HOME/git/checkouts/NAME-HASH/REV/...: no version to tell.
  constexpr std::string_view kGit = "/git/checkouts/";
  if (const size_t at = path.find(kGit); at != std::string_view::npos) {
    const std::string_view dir = segment_at(path, at + kGit.size());
    const size_t dash = dir.rfind('-');
    if (dash != std::string_view::npos && dash > 0) {
      return SourceOrigin{SourceOrigin::Kind::kDependency, std::string(dir.substr(0, dash)), {}};
    }
  }
  return std::nullopt;
}

// Any other absolute path with a NAME-VERSION folder: a crate unpacked by
// hand ("/tmp/arrayvec-0.7.6/src/array_string.rs").
std::optional<SourceOrigin> unpacked_package_of(std::string_view path) {
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    const std::string_view dir = segment_at(path, slash + 1);
    if (slash + 1 + dir.size() < path.size() && !crate_of_package_dir(dir).empty()) {
      return package_at(dir);
    }
  }
  return std::nullopt;
}

bool is_standard_library(std::string_view path) {
  // /rustc/HASH/library/... in a release toolchain, the rust-src component
  // under $RUSTUP_HOME/toolchains/NAME/lib/rustlib/src/rust/library/..., and
  // "library/core/src/..." in panic messages. ASan's runtime is /rustc/llvm/...
  for (const std::string_view marker : {"/rustc/", "/lib/rustlib/", "/toolchains/"}) {
    if (path.find(marker) != std::string_view::npos) return true;
  }
  if (path.starts_with('<')) return true;  // "<std macros>", "<anon>"
  static constexpr std::array<std::string_view, 12> kCrates = {
      "core/",          "std/",          "alloc/",       "proc_macro/",
      "test/",          "panic_unwind/", "panic_abort/", "unwind/",
      "portable-simd/", "stdarch/",      "backtrace/",   "compiler-builtins/"};
  constexpr std::string_view kLibrary = "library/";
  for (size_t at = path.find(kLibrary); at != std::string_view::npos;
       at = path.find(kLibrary, at + 1)) {
    if (at != 0 && path[at - 1] != '/') continue;
    const std::string_view rest = path.substr(at + kLibrary.size());
    for (const std::string_view crate : kCrates) {
      if (rest.starts_with(crate)) return true;
    }
  }
  return false;
}

bool is_relative(std::string_view path) {
  if (path.empty() || path.starts_with('/') || path.starts_with('\\')) return false;
  return !(path.size() > 1 && path[1] == ':');  // C:\...
}

}  // namespace

std::string_view crate_of_package_dir(std::string_view dir) {
  for (size_t dash = dir.find('-', 1); dash != std::string_view::npos;
       dash = dir.find('-', dash + 1)) {
    if (is_semver(dir.substr(dash + 1))) return dir.substr(0, dash);
  }
  return {};
}

std::string_view version_of_package_dir(std::string_view dir) {
  const std::string_view name = crate_of_package_dir(dir);
  return name.empty() ? std::string_view() : dir.substr(name.size() + 1);
}

std::string_view path_of_location(std::string_view location) {
  for (size_t colon = location.find(':'); colon != std::string_view::npos;
       colon = location.find(':', colon + 1)) {
    if (colon + 1 < location.size() && is_digit(location[colon + 1])) {
      return location.substr(0, colon);
    }
  }
  return location;
}

SourceOrigin source_origin(std::string_view path, bool relative_is_crate) {
  using Kind = SourceOrigin::Kind;
  if (auto dependency = dependency_of(path)) return std::move(*dependency);
  if (is_standard_library(path)) return {Kind::kSystem, {}, {}};
  if (path == "/build" || path.starts_with("/build/")) return {Kind::kCrate, {}, {}};
  if (is_relative(path)) return {relative_is_crate ? Kind::kCrate : Kind::kSystem, {}, {}};
  if (auto unpacked = unpacked_package_of(path)) return std::move(*unpacked);
  return {Kind::kUnknown, {}, {}};
}

}  // namespace diagnosis
