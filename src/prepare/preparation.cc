#include "prepare/preparation.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

#include "agent/job.h"
#include "prepare/bundle.h"
#include "prepare/lockfile.h"
#include "prepare/override_files.h"
#include "prepare/package_cache.h"
#include "prepare/registry_source.h"
#include "prepare/resolver_output.h"
#include "registry/download.h"
#include "registry/registry.h"
#include "result/crate_log.h"
#include "sandbox/child_process.h"

namespace prepare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Status = PreparationResult::Status;

/// A TOML basic string: a JSON string is one, for any text.
std::string quoted(const std::string& text) { return json(text).dump(); }

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// Written whole or not at all: two runs may share a cargo home.
void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path part = path.string() + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + part.string());
  }
  fs::rename(part, path);
}

/// The configuration cargo resolves with, in the preparing cargo home.
std::string resolver_config(const RegistrySource& source, const std::string& user_agent) {
  std::string config = "[http]\nuser-agent = " + quoted(user_agent) +
                       "\nmultiplexing = true\ntimeout = 30\n\n[net]\nretry = 3\n\n"
                       "[cache]\nauto-clean-frequency = \"never\"\n\n";
  switch (source.kind) {
    case RegistrySource::Kind::kSparse:
      if (source.is_crates_io()) return config + "[registries.crates-io]\nprotocol = \"sparse\"\n";
      return config +
             "[source.crates-io]\nreplace-with = \"cah-registry\"\n\n[source.cah-registry]\n"
             "registry = " +
             quoted("sparse+" + source.index) + "\n";
    case RegistrySource::Kind::kDirectory:
      return "[source.crates-io]\nreplace-with = \"cah-registry\"\n\n[source.cah-registry]\n"
             "directory = " +
             quoted(source.path) + "\n\n[net]\noffline = true\n";
    case RegistrySource::Kind::kLocalRegistry:
      return "[source.crates-io]\nreplace-with = \"cah-registry\"\n\n[source.cah-registry]\n"
             "local-registry = " +
             quoted(source.path) + "\n\n[net]\noffline = true\n";
  }
  return config;
}

/// The configuration the build uses in the sandbox: crates.io replaced by
/// a directory source, offline.
std::string build_config(std::string_view kind, const std::string& directory) {
  return "[source.crates-io]\nreplace-with = \"crater-at-home\"\n\n[source.crater-at-home]\n" +
         std::string(kind) + " = " + quoted(directory) + "\n\n[net]\noffline = true\n";
}

/// Our environment for cargo: nothing of the caller's beyond what finds
/// the toolchains and the network.
std::vector<std::string> cargo_env(const fs::path& home) {
  std::vector<std::string> env = {"CARGO_HOME=" + home.string(), "CARGO_TERM_COLOR=always",
                                  "TERM=xterm-256color"};
  for (const char* name :
       {"PATH", "HOME", "RUSTUP_HOME", "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY",
        "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR", "TMPDIR"}) {
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  }
  return env;
}

class Steps {
 public:
  Steps(const PreparationRequest& request, const std::function<void(std::string_view)>& log)
      : request_(request),
        log_(log),
        source_(parse_registry(request.registry)),
        cache_(request.cache),
        folder_(request.crate + "-" + request.version),
        target_(fs::path(request.staging) / folder_),
        deps_(fs::path(request.staging) / (folder_ + ".deps")),
        bundle_(fs::path(request.staging) / (folder_ + ".tar")) {}

  PreparationResult run() {
    const auto started = std::chrono::steady_clock::now();
    try {
      stage() && check_rust_version() && read_manifest() && resolve() && fetch_dependencies() &&
          make_bundle();
    } catch (const registry::FetchError& e) {
      fail(e.what());
    } catch (const std::exception& e) {
      fail(std::string("preparation failed: ") + e.what());
    }
    result_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (result_.status != Status::kReady) {
      std::error_code ignored;
      fs::remove_all(target_, ignored);
      fs::remove_all(deps_, ignored);
      fs::remove(bundle_, ignored);
    }
    return result_;
  }

 private:
  void note(const std::string& text) { log_(result::note_line(text)); }

  bool fail(const std::string& error) {
    result_.status = Status::kError;
    result_.error = error;
    note(error);
    return false;
  }

  bool broken(result::Broken why) {
    result_.status = Status::kBroken;
    note("broken (" + why.kind + "): " + why.detail);
    result_.broken = std::move(why);
    return false;
  }

  void count(const PackageCache::Ensured& ensured) {
    result_.bytes_added += ensured.bytes_added;
    result_.downloads += ensured.downloaded ? 1 : 0;
  }

  registry::DownloadOptions download_options() const { return {}; }

  /// The crate's own checksum: the catalogue's, else the index's.
  std::string crate_checksum() {
    if (!request_.checksum.empty()) return request_.checksum;
    const fs::path scratch = cache_.make_scratch();
    const fs::path file = scratch / "index";
    std::string text;
    try {
      registry::download(source_.index + index_file(request_.crate), file, download_options());
      text = read_text(file);
    } catch (...) {
      fs::remove_all(scratch);
      throw;
    }
    fs::remove_all(scratch);
    const std::optional<IndexVersion> found = find_in_index(text, request_.version);
    if (!found) {
      throw std::runtime_error(request_.crate + " " + request_.version + " is not in the index " +
                               source_.index);
    }
    return found->checksum;
  }

  bool stage() {
    std::error_code ignored;
    fs::remove_all(target_, ignored);
    fs::remove_all(deps_, ignored);
    fs::remove(bundle_, ignored);
    fs::create_directories(request_.staging);
    const catalogue::Crate krate{
        .name = request_.crate, .version = request_.version, .checksum = request_.checksum};
    if (source_.remote()) {
      const std::string checksum = crate_checksum();
      count(cache_.ensure(request_.crate, request_.version, checksum,
                          download_url(request_.dl, request_.crate, request_.version, checksum),
                          download_options()));
      fs::copy(cache_.package(folder_), target_,
               fs::copy_options::recursive | fs::copy_options::copy_symlinks);
      fs::remove(target_ / ".cah-bytes");
      fs::remove(target_ / ".cargo-checksum.json");
    } else {
      registry::open_registry(source_.path)->fetch(krate, target_);
    }
    const std::vector<std::string> removed = remove_override_files(target_);
    if (!removed.empty()) {
      std::string list;
      for (const std::string& path : removed) list += (list.empty() ? "" : ", ") + path;
      const std::string text = "removed " + list + ": they would change how cargo or rustup behave";
      note(text);
      result_.notes.push_back(text);
    }
    return true;
  }

  bool check_rust_version() {
    toml::table manifest;
    try {
      manifest = toml::parse_file((target_ / "Cargo.toml").string());
    } catch (const toml::parse_error&) {
      return true;  // cargo says what is wrong, next
    }
    const std::optional<std::string> required =
        manifest["package"]["rust-version"].value<std::string>();
    if (!required || request_.rustc_version.empty()) return true;
    if (!rust_version_newer(*required, request_.rustc_version)) return true;
    return broken({"rust-version", "package.rust-version is " + *required + ", newer than the " +
                                       "toolchain's rustc " + request_.rustc_version});
  }

  /// Runs cargo in the staged crate; its stderr (and stdout, unless it is
  /// data for us) goes to the log.
  sandbox::CommandOutput cargo(std::vector<std::string> args, bool log_stdout = true) {
    std::vector<std::string> argv = {"cargo"};
    if (!request_.toolchain.empty()) argv.push_back("+" + request_.toolchain);
    argv.insert(argv.end(), args.begin(), args.end());
    std::string shown = "$";
    for (const std::string& arg : argv) shown += " " + arg;
    log_("\x1b[1m" + shown + "\x1b[0m\r\n");
    sandbox::CommandOutput output =
        sandbox::run_to_end(argv, std::chrono::seconds(request_.command_timeout_seconds),
                            {.env = cargo_env(home_), .cwd = target_.string()});
    if (log_stdout) log_(output.out);
    log_(output.err);
    if (output.timed_out) {
      throw std::runtime_error("`" + shown.substr(2) + "` did not finish within " +
                               std::to_string(request_.command_timeout_seconds) + " s");
    }
    return output;
  }

  bool read_manifest() {
    home_ = cache_.home(request_.home);
    fs::create_directories(home_);
    const std::string config = resolver_config(source_, request_.user_agent);
    if (!fs::exists(home_ / "config.toml") || read_text(home_ / "config.toml") != config) {
      write_atomically(home_ / "config.toml", config);
    }
    const sandbox::CommandOutput output =
        cargo({"metadata", "--no-deps", "--format-version", "1", "--offline"}, false);
    if (output.status.success()) return true;
    return broken(broken_by_manifest(output.err));
  }

  bool resolve() {
    const bool keep = request_.keep_lockfile && fs::exists(target_ / "Cargo.lock");
    const sandbox::CommandOutput output =
        keep ? cargo({"update", "--workspace"}) : cargo({"generate-lockfile"});
    if (output.status.success()) return true;
    if (auto why = broken_by_resolution(output.err)) return broken(std::move(*why));
    std::string first_error = "cargo could not resolve the dependencies";
    std::istringstream lines(output.err);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("error") != std::string::npos) {
        first_error = line;
        break;
      }
    }
    return fail("resolving failed, not because of the crate (" + output.status.describe() +
                "): " + first_error);
  }

  bool fetch_dependencies() {
    if (!source_.remote()) {
      const bool local_registry = source_.kind == RegistrySource::Kind::kLocalRegistry;
      result_.cargo_config =
          build_config(local_registry ? "local-registry" : "directory", request_.sandbox_registry);
      result_.status = Status::kReady;
      return true;
    }
    fs::create_directories(deps_);
    for (const LockedPackage& package : read_lockfile(target_ / "Cargo.lock")) {
      if (!package.from_registry()) continue;
      count(
          cache_.ensure(package.name, package.version, package.checksum,
                        download_url(request_.dl, package.name, package.version, package.checksum),
                        download_options()));
      fs::create_symlink(fs::path(request_.sandbox_deps) / package.folder(),
                         deps_ / package.folder());
      result_.packages.push_back(package.folder());
    }
    result_.cargo_config =
        build_config("directory", request_.sandbox_staging + "/" + folder_ + ".deps");
    result_.status = Status::kReady;
    return true;
  }

  /// The packages of the crate's directory source, as folders of this
  /// machine: the cache's own for a remote registry; for a local one, a
  /// copy of each in `scratch` (a local registry holds .crate files).
  std::vector<BundlePackage> bundle_packages(const fs::path& scratch) {
    std::vector<BundlePackage> packages;
    if (source_.remote()) {
      for (const std::string& folder : result_.packages) {
        packages.push_back({folder, cache_.package(folder)});
      }
      return packages;
    }
    const std::unique_ptr<registry::Registry> local = registry::open_registry(source_.path);
    for (const LockedPackage& package : read_lockfile(target_ / "Cargo.lock")) {
      if (!package.from_registry()) continue;
      const fs::path dir = scratch / package.folder();
      local->fetch({.name = package.name, .version = package.version, .checksum = package.checksum},
                   dir);
      if (!fs::exists(dir / ".cargo-checksum.json")) {
        write_atomically(dir / ".cargo-checksum.json",
                         json{{"files", json::object()}, {"package", package.checksum}}.dump());
      }
      packages.push_back({package.folder(), dir});
    }
    return packages;
  }

  bool make_bundle() {
    if (!request_.bundle) return true;
    const auto started = std::chrono::steady_clock::now();
    const fs::path scratch = cache_.make_scratch();
    try {
      result_.bundle_bytes = write_bundle(target_, bundle_packages(scratch), bundle_);
    } catch (...) {
      fs::remove_all(scratch);
      throw;
    }
    fs::remove_all(scratch);
    result_.bundle = bundle_.string();
    result_.inline_cargo_config =
        build_config("directory", request_.sandbox_cargo_home + "/" + agent::kInlineDepsFolder);
    result_.bundle_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return true;
  }

  const PreparationRequest& request_;
  const std::function<void(std::string_view)>& log_;
  RegistrySource source_;
  PackageCache cache_;
  std::string folder_;
  fs::path target_;
  fs::path deps_;
  fs::path bundle_;
  fs::path home_;
  PreparationResult result_;
};

std::array<unsigned long, 3> version_parts(std::string_view text) {
  std::array<unsigned long, 3> parts{};
  size_t i = 0;
  for (unsigned long& part : parts) {
    while (i < text.size() && text[i] >= '0' && text[i] <= '9')
      part = part * 10 + (text[i++] - '0');
    if (i >= text.size() || text[i] != '.') break;
    ++i;
  }
  return parts;
}

std::string status_name(Status status) {
  switch (status) {
    case Status::kReady:
      return "ready";
    case Status::kBroken:
      return "broken";
    case Status::kError:
      return "error";
  }
  return "error";
}

}  // namespace

bool rust_version_newer(std::string_view required, std::string_view available) {
  return version_parts(required) > version_parts(available);
}

PreparationResult prepare_crate(const PreparationRequest& request,
                                const std::function<void(std::string_view)>& log) {
  return Steps(request, log).run();
}

void to_json(json& out, const PreparationRequest& r) {
  out = {{"crate", r.crate},
         {"version", r.version},
         {"checksum", r.checksum},
         {"registry", r.registry},
         {"dl", r.dl},
         {"toolchain", r.toolchain},
         {"rustc_version", r.rustc_version},
         {"cache", r.cache},
         {"home", r.home},
         {"staging", r.staging},
         {"sandbox_staging", r.sandbox_staging},
         {"sandbox_deps", r.sandbox_deps},
         {"sandbox_registry", r.sandbox_registry},
         {"keep_lockfile", r.keep_lockfile},
         {"bundle", r.bundle},
         {"sandbox_cargo_home", r.sandbox_cargo_home},
         {"user_agent", r.user_agent},
         {"command_timeout_seconds", r.command_timeout_seconds}};
}

void from_json(const json& in, PreparationRequest& r) {
  in.at("crate").get_to(r.crate);
  in.at("version").get_to(r.version);
  in.at("checksum").get_to(r.checksum);
  in.at("registry").get_to(r.registry);
  in.at("dl").get_to(r.dl);
  in.at("toolchain").get_to(r.toolchain);
  in.at("rustc_version").get_to(r.rustc_version);
  in.at("cache").get_to(r.cache);
  in.at("home").get_to(r.home);
  in.at("staging").get_to(r.staging);
  in.at("sandbox_staging").get_to(r.sandbox_staging);
  in.at("sandbox_deps").get_to(r.sandbox_deps);
  in.at("sandbox_registry").get_to(r.sandbox_registry);
  in.at("keep_lockfile").get_to(r.keep_lockfile);
  r.bundle = in.value("bundle", false);
  r.sandbox_cargo_home = in.value("sandbox_cargo_home", std::string("/cargo"));
  in.at("user_agent").get_to(r.user_agent);
  in.at("command_timeout_seconds").get_to(r.command_timeout_seconds);
}

void to_json(json& out, const PreparationResult& r) {
  out = {{"status", status_name(r.status)},
         {"broken",
          r.broken ? json{{"kind", r.broken->kind}, {"detail", r.broken->detail}} : json(nullptr)},
         {"error", r.error},
         {"cargo_config", r.cargo_config},
         {"bundle", r.bundle},
         {"bundle_bytes", r.bundle_bytes},
         {"bundle_seconds", r.bundle_seconds},
         {"inline_cargo_config", r.inline_cargo_config},
         {"packages", r.packages},
         {"notes", r.notes},
         {"bytes_added", r.bytes_added},
         {"downloads", r.downloads},
         {"seconds", r.seconds}};
}

void from_json(const json& in, PreparationResult& r) {
  const std::string status = in.at("status").get<std::string>();
  if (status == "ready") {
    r.status = Status::kReady;
  } else if (status == "broken") {
    r.status = Status::kBroken;
  } else if (status == "error") {
    r.status = Status::kError;
  } else {
    throw std::runtime_error("unknown preparation status '" + status + "'");
  }
  if (!in.at("broken").is_null()) {
    r.broken = result::Broken{in.at("broken").at("kind").get<std::string>(),
                              in.at("broken").at("detail").get<std::string>()};
  }
  in.at("error").get_to(r.error);
  in.at("cargo_config").get_to(r.cargo_config);
  r.bundle = in.value("bundle", std::string());
  r.bundle_bytes = in.value("bundle_bytes", uint64_t{0});
  r.bundle_seconds = in.value("bundle_seconds", 0.0);
  r.inline_cargo_config = in.value("inline_cargo_config", std::string());
  in.at("packages").get_to(r.packages);
  in.at("notes").get_to(r.notes);
  in.at("bytes_added").get_to(r.bytes_added);
  in.at("downloads").get_to(r.downloads);
  in.at("seconds").get_to(r.seconds);
}

}  // namespace prepare
