#pragma once
// A worker: one long-lived sandbox with the agent inside, fed one job at a
// time over the framed protocol (agent/protocol.h). The worker is passive,
// like ninja's Subprocess: its owner polls output_fds() with every other
// worker's in one event loop and calls read_available() when one is ready.
// run() is the same loop for one worker, for tests and benchmarks.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/job.h"
#include "agent/protocol.h"
#include "sandbox/child_process.h"
#include "sandbox/sandbox.h"

namespace sandbox {

class Worker : public JobWorker {
 public:
  /// `process` runs the agent (directly or through `docker run -i`);
  /// `on_stop` ends it for good (e.g. `docker rm -f`), called once by
  /// stop() or the destructor before the process is reaped.
  Worker(std::string name, std::unique_ptr<ChildProcess> process, std::function<void()> on_stop);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  const std::string& name() const override { return name_; }
  bool alive() const override { return !dead_; }
  /// Whether a job was sent and has not ended yet.
  bool busy() const override { return busy_; }

  /// Sends the job. Throws std::logic_error if busy or dead; if the write
  /// fails the worker is dead and the job's on_death follows from
  /// read_available().
  void send(const agent::Job& job, JobEvents events) override;

  /// The fds to poll for reading: the agent's stdout and stderr (while open).
  std::vector<int> output_fds() const override;
  /// Reads what is ready on every open output fd, without blocking, and
  /// calls the current job's events. Returns false once the worker is dead.
  bool read_available() override;

  /// Blocks until the job ends; returns as the events would. For callers
  /// with one worker. Once `stop_fd` (if not -1) is readable the worker is
  /// stopped and the outcome says `stopped`.
  struct Ending {
    std::optional<agent::JobResult> result;
    std::optional<std::string> job_error;
    std::optional<std::string> death;
    bool stopped = false;
  };
  Ending run(const agent::Job& job, const std::function<void(std::string_view)>& on_output,
             int stop_fd = -1);

  /// Ends the worker: its sandbox is removed, the process reaped. A job in
  /// flight gets no event.
  void stop() override;

  /// Lines the agent and the sandbox wrote on stderr that were not part of
  /// a death (warnings), since the last call.
  std::vector<std::string> take_warnings() override;

 private:
  void on_frame(agent::Frame frame);
  void die(const std::string& why);
  void read_errors();

  std::string name_;
  std::unique_ptr<ChildProcess> process_;
  std::function<void()> on_stop_;
  agent::FrameReader reader_;
  JobEvents events_;
  bool busy_ = false;
  bool dead_ = false;
  bool stopped_ = false;
  bool stdout_open_ = true;
  bool stderr_open_ = true;
  std::string stderr_tail_;  // the last few KB, for the death message
  std::string partial_line_;
  std::vector<std::string> warnings_;
};

}  // namespace sandbox
