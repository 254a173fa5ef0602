#pragma once
// What the scheduler needs of a sandbox, as ninja's Builder needs only a
// CommandRunner: a Sandbox starts workers, a JobWorker runs one job at a
// time and is polled through real fds in its owner's event loop.
// DockerSandbox and Worker are the real ones; queue/fake_sandbox.h is an
// in-process one for the scheduler's tests.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agent/job.h"

namespace sandbox {

/// The engine cannot be reached, the image is missing, a worker cannot start.
class SandboxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a worker reports while it runs a job.
struct JobEvents {
  /// Pty bytes of the job's shown commands, as they come.
  std::function<void(std::string_view)> on_output;
  /// The job is done: exactly one of on_result, on_job_error, or (if the
  /// worker dies first) on_death is called per job.
  std::function<void(agent::JobResult)> on_result;
  /// The agent could not run the job (e.g. the crate could not be unpacked).
  std::function<void(std::string)> on_job_error;
  /// The worker is gone (its container exited or was killed, the protocol
  /// broke): why, including what it said on stderr last.
  std::function<void(std::string)> on_death;
};

/// A worker as its owner's event loop sees it. Passive, like ninja's
/// Subprocess: the owner polls output_fds() for reading and calls
/// read_available(), and polls input_fd() (while it is not -1) for writing
/// and calls write_available(): a job's attachment goes out as the worker
/// takes it, never blocking the loop.
class JobWorker {
 public:
  virtual ~JobWorker() = default;

  virtual const std::string& name() const = 0;
  virtual bool alive() const = 0;
  /// Whether a job was sent and has not ended yet.
  virtual bool busy() const = 0;
  /// Sends the job. Throws std::logic_error if busy or dead; if the worker
  /// cannot take it, the job's on_death follows from read_available().
  /// `attachment`, for a job whose source is kInline: the tar of its files
  /// (prepare::Prepared::bundle), sent after the job as kFiles frames by
  /// write_available(); the file must stay until the job has ended. Throws
  /// std::system_error (the worker stays idle) if it cannot be opened.
  virtual void send(const agent::Job& job, JobEvents events,
                    const std::filesystem::path& attachment = {}) = 0;
  /// The fds to poll for reading; empty once the worker is dead.
  virtual std::vector<int> output_fds() const = 0;
  /// Handles what is ready, without blocking, calling the current job's
  /// events. Returns false once the worker is dead.
  virtual bool read_available() = 0;
  /// The fd to poll for writing (POLLOUT) while bytes of a job wait to go
  /// out; -1 when none do (or the worker is dead).
  virtual int input_fd() const = 0;
  /// Writes what the worker takes now, without blocking. Returns false once
  /// the worker is dead (a failed write is its death: the job's on_death).
  virtual bool write_available() = 0;
  /// Ends the worker for good. A job in flight gets no event.
  virtual void stop() = 0;
  /// Warnings the worker gave (its stderr) since the last call.
  virtual std::vector<std::string> take_warnings() = 0;
};

class Sandbox {
 public:
  virtual ~Sandbox() = default;
  /// Starts worker `index`, replacing one of the same index left behind.
  /// Throws (SandboxError or another std::exception) if it cannot.
  virtual std::unique_ptr<JobWorker> start_worker(unsigned index) const = 0;
  /// Removes every worker of this sandbox, running or not; returns how many
  /// there were. Throws SandboxError if some remain.
  virtual size_t remove_all() const = 0;
  /// A short command that exits 0 while the engine answers: the scheduler
  /// runs it without blocking its loop to tell a dead worker from a dead
  /// engine, and to see a lost engine come back.
  virtual std::vector<std::string> probe_command() const = 0;
};

}  // namespace sandbox
