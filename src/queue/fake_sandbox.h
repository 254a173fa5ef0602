#pragma once
// An in-process sandbox for the scheduler's tests, as ninja's build_test.cc
// has its FakeCommandRunner: each crate's job follows a script (output
// chunks at given times, then a result, a job error, a death or nothing),
// and every job sent is recorded. A fake worker's fd is a timerfd armed for
// its next event, so the scheduler's real poll loop is what delivers them.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/job.h"
#include "sandbox/sandbox.h"

namespace queue {

/// What a fake worker does with one crate's job.
struct CrateScript {
  struct Chunk {
    std::chrono::milliseconds after{0};  // since the previous chunk (or the send)
    std::string bytes;
  };
  enum class End { kResult, kJobError, kDeath, kHang };

  std::vector<Chunk> output;
  End end = End::kResult;
  /// After the last chunk, before the end.
  std::chrono::milliseconds end_after{0};
  /// For kResult: exit codes, timeouts, OOM.
  agent::JobResult result{.commands = {{.exit_code = 0}}};
  /// For kJobError and kDeath: the message.
  std::string message = "scripted";
  /// The first this many jobs for the crate die after their output,
  /// whatever `end` says: 1 is a death once.
  unsigned deaths_first = 0;
  /// The same for hangs, counted after the deaths.
  unsigned hangs_first = 0;
  /// The first this many jobs for the crate take the whole engine down
  /// after their output: every worker of the sandbox dies, probes fail and
  /// no worker starts for `engine_down_for`.
  unsigned engine_losses_first = 0;
  std::chrono::milliseconds engine_down_for{200};
};

/// A job a fake worker was sent.
struct SentJob {
  unsigned worker = 0;  // the index it was started with
  agent::Job job;
  std::filesystem::path attachment;  // what send() was given
};

class FakeSandbox : public sandbox::Sandbox {
 public:
  FakeSandbox();
  ~FakeSandbox() override;

  /// Crates without a script pass, printing "NAME VERSION\r\n".
  void script(const std::string& crate, CrateScript script);
  /// start_worker(index) throws SandboxError for these indexes.
  void fail_starts(std::set<unsigned> indexes);
  /// Takes the engine down now for `how_long`, as a crate's
  /// engine_losses_first does.
  void lose_engine(std::chrono::milliseconds how_long);
  /// Probes run so far.
  size_t probes() const;

  std::unique_ptr<sandbox::JobWorker> start_worker(unsigned index) const override;
  size_t remove_all() const override;
  std::vector<std::string> probe_command() const override;

  std::vector<SentJob> sent() const;
  /// Crate names in the order their jobs were sent.
  std::vector<std::string> sent_crates() const;
  size_t workers_started() const;
  /// Started and neither stopped nor dead.
  size_t workers_alive() const;
  size_t remove_all_calls() const;

  struct State;
  static void lose(State& state, std::chrono::milliseconds how_long);

 private:
  std::shared_ptr<State> state_;
};

}  // namespace queue
