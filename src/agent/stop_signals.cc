#include "agent/stop_signals.h"

#include <poll.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace agent {
namespace {

constexpr std::array<int, 3> kSignals = {SIGTERM, SIGINT, SIGHUP};

volatile std::sig_atomic_t g_received = 0;

void record(int sig) {
  if (g_received == 0) g_received = sig;
}

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const int sig : kSignals) sigaddset(&set, sig);
  return set;
}

/// Blocks the stop signals while it lives; `outside` is the mask before.
class BlockedSignals {
 public:
  BlockedSignals() {
    const sigset_t set = stop_set();
    sigprocmask(SIG_BLOCK, &set, &outside_);
  }
  ~BlockedSignals() { sigprocmask(SIG_SETMASK, &outside_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  const sigset_t& outside() const { return outside_; }

 private:
  sigset_t outside_;
};

}  // namespace

StopSignals::StopSignals() {
  static_assert(kSignals.size() == std::tuple_size_v<decltype(previous_)>);
  g_received = 0;
  struct sigaction action {};
  action.sa_handler = record;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read or poll returns EINTR
  for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

StopSignals::~StopSignals() {
  for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &previous_[i], nullptr);
}

int StopSignals::received() const { return g_received; }

bool StopSignals::wait_readable(int fd) const {
  const BlockedSignals blocked;
  sigset_t while_waiting = blocked.outside();
  for (const int sig : kSignals) sigdelset(&while_waiting, sig);
  pollfd p{fd, POLLIN, 0};
  while (received() == 0) {
    const int ready = ppoll(&p, 1, nullptr, &while_waiting);
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "poll");
    }
  }
  return false;
}

}  // namespace agent
