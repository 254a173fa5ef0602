#pragma once
// A worker: one long-lived sandbox with the agent inside, fed one job at a
// time over the framed protocol (agent/protocol.h). The worker is passive,
// like ninja's Subprocess: its owner polls output_fds() (and input_fd(),
// for writing, while a job's files go out) with every other worker's in one
// event loop and calls read_available() (write_available()) when one is
// ready.
// run() is the same loop for one worker, for tests and benchmarks.

#include <cstdint>
#include <filesystem>
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
#include "util/fd.h"

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
  /// fails the worker is dead and the job's on_death is called. A job
  /// without an attachment is written at once (waiting up to 10 s for a
  /// full pipe, as the agent reads between jobs); one with an attachment
  /// goes out through write_available(), the attachment as kFiles frames
  /// of up to 1 MiB read from the file as the pipe takes them, then the
  /// empty kFiles frame. If the job ends before its attachment is sent, the
  /// rest is cut: the frame under way is finished and the end follows.
  void send(const agent::Job& job, JobEvents events,
            const std::filesystem::path& attachment = {}) override;

  /// The fds to poll for reading: the agent's stdout and stderr (while open).
  std::vector<int> output_fds() const override;
  /// Reads what is ready on every open output fd, without blocking, and
  /// calls the current job's events. Returns false once the worker is dead.
  bool read_available() override;
  /// The agent's stdin while bytes wait to be written, else -1.
  int input_fd() const override;
  /// Writes to the agent's stdin until the pipe is full or nothing waits.
  bool write_available() override;
  /// Bytes of the job and its attachment not yet written, frame headers
  /// aside: how far a send has come.
  uint64_t bytes_to_write() const { return attachment_left_ + (pending_.size() - pending_at_); }

  /// Blocks until the job ends; returns as the events would. For callers
  /// with one worker. Once `stop_fd` (if not -1) is readable the worker is
  /// stopped and the outcome says `stopped`. `attachment` as for send().
  struct Ending {
    std::optional<agent::JobResult> result;
    std::optional<std::string> job_error;
    std::optional<std::string> death;
    bool stopped = false;
  };
  Ending run(const agent::Job& job, const std::function<void(std::string_view)>& on_output,
             int stop_fd = -1, const std::filesystem::path& attachment = {});

  /// Ends the worker: its sandbox is removed, the process reaped. A job in
  /// flight gets no event.
  void stop() override;

  /// Lines the agent and the sandbox wrote on stderr that were not part of
  /// a death (warnings), since the last call.
  std::vector<std::string> take_warnings() override;

 private:
  void on_frame(agent::Frame frame);
  /// The job has ended: what is left of its attachment is not sent.
  void cut_attachment();
  /// Moves the attachment's next chunk (or its end) into pending_.
  void load_attachment();
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
  /// Bytes for the agent's stdin not yet written, and where they start.
  std::string pending_;
  size_t pending_at_ = 0;
  util::Fd attachment_;  // open while chunks of it remain to be framed
  uint64_t attachment_left_ = 0;
};

}  // namespace sandbox
