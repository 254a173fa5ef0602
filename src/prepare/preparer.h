#pragma once
// Runs preparations ahead of the workers: each crate in its own child
// process (`crater-at-home prepare-crate`, see preparation.h) with an
// environment that holds nothing secret and a timeout, several at once. It
// is passive, like a Worker: the server's loop polls fds() with everything
// else and calls read_available() when one is ready, so a slow download
// delays only its own crate and never the loop.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalogue/crate.h"
#include "prepare/preparation.h"
#include "sandbox/child_process.h"

namespace prepare {

/// One crate's preparation, finished.
struct Prepared {
  catalogue::Crate crate;
  PreparationResult result;
  /// What the preparation printed, as a terminal would show it: the crate's
  /// log when it is not ready.
  std::string log;
  /// Host folders to remove once the crate is done: its staged source and
  /// its directory source of symlinks.
  std::filesystem::path staged;
  std::filesystem::path deps;
};

struct PreparerOptions {
  /// The crater-at-home executable to run `prepare-crate` with.
  std::filesystem::path executable;
  /// Everything the requests share; crate, version, checksum and home are
  /// filled in per crate.
  PreparationRequest base;
  /// Preparations at once (each with its own cargo home).
  size_t parallel = 2;
  std::chrono::seconds timeout{900};
  /// A preparation's log is cut beyond this.
  size_t max_log_bytes = 4 << 20;
};

/// The environment a preparation runs with: ours, less everything that is
/// not needed to find toolchains and reach the registry (no AWS_*, no
/// DOCKER_*, no tokens).
std::vector<std::string> preparation_env();

class Preparer {
 public:
  explicit Preparer(PreparerOptions options);
  ~Preparer();
  Preparer(const Preparer&) = delete;
  Preparer& operator=(const Preparer&) = delete;

  size_t running() const { return running_.size(); }
  bool can_start() const { return running_.size() < options_.parallel; }
  /// Starts preparing `crate`. A child that cannot be started gives a
  /// finished error at once.
  void start(const catalogue::Crate& crate);

  /// The fds to poll for reading.
  std::vector<int> fds() const;
  /// Reads what is ready without blocking, ends preparations past their
  /// timeout, and collects finished ones.
  void read_available();
  /// The preparations finished since the last call.
  std::vector<Prepared> take_finished();
  /// Kills every preparation still running (their staged folders go too).
  void stop_all();

 private:
  struct Running;
  void finish(Running& running);

  PreparerOptions options_;
  std::vector<std::string> env_;
  std::vector<std::unique_ptr<Running>> running_;
  std::vector<Prepared> finished_;
  std::vector<bool> homes_in_use_;
};

/// Removes a prepared crate's staged folders.
void remove_staged(const Prepared& prepared);

}  // namespace prepare
