#include "sandbox/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace sandbox {
namespace {

constexpr size_t kStderrTail = 4096;
/// Reads per fd per call: a chatty worker must not starve the others in
/// its owner's event loop.
constexpr int kReadsPerCall = 16;
/// Bytes written per write_available(), for the same reason.
constexpr size_t kWritePerCall = size_t{4} << 20;

}  // namespace

Worker::Worker(std::string name, std::unique_ptr<ChildProcess> process,
               std::function<void()> on_stop)
    : name_(std::move(name)),
      process_(std::move(process)),
      on_stop_(std::move(on_stop)),
      reader_(agent::Direction::kToServer,
              [this](agent::Frame frame) { on_frame(std::move(frame)); }) {}

Worker::~Worker() { stop(); }

void Worker::stop() {
  if (stopped_) return;
  stopped_ = true;
  dead_ = true;
  busy_ = false;
  pending_.clear();
  pending_at_ = 0;
  attachment_.reset();
  attachment_left_ = 0;
  // The client first: a `docker run` still starting could otherwise create
  // its container after the removal.
  process_->close_stdin();
  process_->kill(SIGKILL);
  process_->wait();
  if (on_stop_) on_stop_();
}

void Worker::send(const agent::Job& job, JobEvents events,
                  const std::filesystem::path& attachment) {
  if (dead_) throw std::logic_error("worker " + name_ + " is dead");
  if (busy_) throw std::logic_error("worker " + name_ + " is busy");
  if (!attachment.empty()) {
    util::Fd file(open(attachment.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat status {};
    if (!file || fstat(file.get(), &status) != 0) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot read the attachment " + attachment.string());
    }
    attachment_ = std::move(file);
    attachment_left_ = static_cast<uint64_t>(status.st_size);
  }
  events_ = std::move(events);
  busy_ = true;
  // After what is left of the last job's files, if it ended before they
  // were all sent.
  agent::append_frame(pending_, agent::FrameType::kJob, agent::to_payload(job));
  if (attachment_) {
    write_available();
    return;
  }
  // The agent reads its stdin between jobs; one frame fits in the pipe, so
  // this does not wait for the job before it. A full pipe means the agent
  // stopped reading: treat it as a write failure, not a hang.
  while (!dead_ && input_fd() >= 0) {
    write_available();
    if (dead_ || input_fd() < 0) break;
    pollfd p{process_->stdin_fd(), POLLOUT, 0};
    if (poll(&p, 1, 10000) == 0) die("worker " + name_ + " stopped reading jobs");
  }
}

int Worker::input_fd() const {
  if (dead_ || (pending_at_ == pending_.size() && !attachment_)) return -1;
  return process_->stdin_fd();
}

void Worker::load_attachment() {
  pending_.erase(0, pending_at_);
  pending_at_ = 0;
  std::string chunk(std::min<uint64_t>(attachment_left_, agent::kMaxFilesPayload), '\0');
  size_t have = 0;
  while (have < chunk.size()) {
    const ssize_t n = read(attachment_.get(), chunk.data() + have, chunk.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // shorter than it was: the agent sees a broken tar
    have += static_cast<size_t>(n);
  }
  chunk.resize(have);
  attachment_left_ = have == 0 ? 0 : attachment_left_ - have;
  agent::append_frame(pending_, agent::FrameType::kFiles, chunk);
  if (!chunk.empty() && attachment_left_ > 0) return;
  // The end of the stream.
  if (!chunk.empty()) agent::append_frame(pending_, agent::FrameType::kFiles, "");
  attachment_.reset();
  attachment_left_ = 0;
}

void Worker::cut_attachment() {
  if (!attachment_) return;
  attachment_.reset();
  attachment_left_ = 0;
  agent::append_frame(pending_, agent::FrameType::kFiles, "");
}

bool Worker::write_available() {
  for (size_t written = 0; !dead_ && written < kWritePerCall;) {
    if (pending_at_ == pending_.size()) {
      if (!attachment_) break;
      load_attachment();
    }
    const ssize_t n =
        write(process_->stdin_fd(), pending_.data() + pending_at_, pending_.size() - pending_at_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0) {
      die("cannot send a job to worker " + name_ + ": " + std::generic_category().message(errno));
      break;
    }
    pending_at_ += static_cast<size_t>(n);
    written += static_cast<size_t>(n);
  }
  if (pending_at_ == pending_.size()) {
    pending_.clear();
    pending_at_ = 0;
  }
  return !dead_;
}

std::vector<int> Worker::output_fds() const {
  std::vector<int> fds;
  if (dead_) return fds;
  if (stdout_open_) fds.push_back(process_->stdout_fd());
  if (stderr_open_) fds.push_back(process_->stderr_fd());
  return fds;
}

void Worker::read_errors() {
  std::array<char, 4096> buffer;
  for (int i = 0; i < kReadsPerCall && stderr_open_; ++i) {
    const ssize_t n = read(process_->stderr_fd(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      stderr_open_ = false;
      return;
    }
    const std::string_view text(buffer.data(), static_cast<size_t>(n));
    stderr_tail_.append(text);
    if (stderr_tail_.size() > kStderrTail) stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
    partial_line_.append(text);
    size_t end = 0;
    while ((end = partial_line_.find('\n')) != std::string::npos) {
      if (end > 0) warnings_.push_back(partial_line_.substr(0, end));
      partial_line_.erase(0, end + 1);
    }
  }
}

bool Worker::read_available() {
  if (dead_) return false;
  if (stderr_open_) read_errors();
  std::array<char, size_t{64} * 1024> buffer;
  for (int i = 0; i < kReadsPerCall && stdout_open_ && !dead_; ++i) {
    const ssize_t n = read(process_->stdout_fd(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) {
      stdout_open_ = false;
      break;
    }
    try {
      reader_.feed(std::string_view(buffer.data(), static_cast<size_t>(n)));
    } catch (const agent::ProtocolError& e) {
      die("worker " + name_ + " broke the protocol: " + e.what());
    }
  }
  if (!stdout_open_ && !dead_) {
    // The agent is gone; what the sandbox said last tells why.
    const util::ExitStatus status = process_->wait();
    while (stderr_open_) read_errors();
    std::string why = "worker " + name_ + " exited (" + status.describe() + ")";
    if (reader_.mid_frame()) why += " in the middle of a message";
    std::string tail = stderr_tail_;
    while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
    if (!tail.empty()) why += ": " + tail;
    die(why);
  }
  return !dead_;
}

void Worker::on_frame(agent::Frame frame) {
  if (!busy_) {
    throw agent::ProtocolError(std::string("a ") + std::string(agent::name(frame.type)) +
                               " frame with no job running");
  }
  switch (frame.type) {
    case agent::FrameType::kOutput:
      if (events_.on_output) events_.on_output(frame.payload);
      return;
    case agent::FrameType::kResult: {
      agent::JobResult result = agent::parse_job_result(frame.payload);
      busy_ = false;
      cut_attachment();
      // The handler may send the next job, which replaces events_.
      const JobEvents done = std::exchange(events_, {});
      if (done.on_result) done.on_result(std::move(result));
      return;
    }
    case agent::FrameType::kError: {
      busy_ = false;
      cut_attachment();
      const JobEvents done = std::exchange(events_, {});
      if (done.on_job_error) done.on_job_error(std::move(frame.payload));
      return;
    }
    case agent::FrameType::kJob:
    case agent::FrameType::kFiles:
      break;
  }
  throw agent::ProtocolError("a " + std::string(agent::name(frame.type)) + " frame from the agent");
}

void Worker::die(const std::string& why) {
  if (dead_) return;
  const bool had_job = busy_;
  stop();
  const JobEvents done = std::exchange(events_, {});
  if (!had_job) return;
  if (done.on_death) done.on_death(why);
}

std::vector<std::string> Worker::take_warnings() { return std::exchange(warnings_, {}); }

Worker::Ending Worker::run(const agent::Job& job,
                           const std::function<void(std::string_view)>& on_output, int stop_fd,
                           const std::filesystem::path& attachment) {
  Ending outcome;
  bool done = false;
  send(job,
       JobEvents{
           .on_output = on_output,
           .on_result =
               [&](agent::JobResult result) {
                 outcome.result = std::move(result);
                 done = true;
               },
           .on_job_error =
               [&](std::string error) {
                 outcome.job_error = std::move(error);
                 done = true;
               },
           .on_death =
               [&](std::string why) {
                 outcome.death = std::move(why);
                 done = true;
               },
       },
       attachment);
  while (!done) {
    std::vector<pollfd> fds;
    for (const int fd : output_fds()) fds.push_back(pollfd{fd, POLLIN, 0});
    if (fds.empty()) break;
    const int input = input_fd();
    if (input >= 0) fds.push_back(pollfd{input, POLLOUT, 0});
    if (stop_fd >= 0) fds.push_back(pollfd{stop_fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    if (stop_fd >= 0 && (fds.back().revents & POLLIN) != 0) {
      stop();
      outcome.stopped = true;
      break;
    }
    if (input >= 0) write_available();
    read_available();
  }
  return outcome;
}

}  // namespace sandbox
