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
  /// its directory source of symlinks; and its bundle, if it was asked for
  /// (PreparerOptions::base.bundle; result.bundle says it was written).
  std::filesystem::path staged;
  std::filesystem::path deps;
  std::filesystem::path bundle;
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

/// What the scheduler needs of preparation, so that its loop can be tested
/// with an in-process stand-in.
class Preparer {
 public:
  virtual ~Preparer() = default;
  virtual size_t running() const = 0;
  virtual bool can_start() const = 0;
  /// Starts preparing `crate`. One that cannot even start is a finished
  /// error at once.
  virtual void start(const catalogue::Crate& crate) = 0;
  /// The fds to poll for reading.
  virtual std::vector<int> fds() const = 0;
  /// Reads what is ready without blocking, ends preparations past their
  /// timeout, and collects finished ones.
  virtual void read_available() = 0;
  /// The preparations finished since the last call.
  virtual std::vector<Prepared> take_finished() = 0;
  /// Ends every preparation still running (their staged folders go too).
  virtual void stop_all() = 0;
};

/// Each preparation in a child process.
class ProcessPreparer final : public Preparer {
 public:
  explicit ProcessPreparer(PreparerOptions options);
  ~ProcessPreparer() override;
  ProcessPreparer(const ProcessPreparer&) = delete;
  ProcessPreparer& operator=(const ProcessPreparer&) = delete;

  size_t running() const override { return running_.size(); }
  bool can_start() const override { return running_.size() < options_.parallel; }
  void start(const catalogue::Crate& crate) override;
  std::vector<int> fds() const override;
  void read_available() override;
  std::vector<Prepared> take_finished() override;
  void stop_all() override;

 private:
  struct Running;
  void finish(Running& running);

  PreparerOptions options_;
  std::vector<std::string> env_;
  std::vector<std::unique_ptr<Running>> running_;
  std::vector<Prepared> finished_;
  std::vector<bool> homes_in_use_;
};

/// Removes a prepared crate's staged folders and bundle.
void remove_staged(const Prepared& prepared);

}  // namespace prepare
