#include "pty/signal_forwarder.h"

#include <atomic>
#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace pty {
namespace {

// Read by the signal handler, so it must be lock-free.
std::atomic<pid_t> g_target{0};
static_assert(std::atomic<pid_t>::is_always_lock_free);

extern "C" void forward(int sig) {
  int saved = errno;
  if (pid_t pid = g_target.load(); pid > 0) kill(-pid, sig);
  errno = saved;
}

}  // namespace

SignalForwarder::SignalForwarder(const Child& child, std::initializer_list<int> signals) {
  pid_t none = 0;
  if (!g_target.compare_exchange_strong(none, child.pid())) {
    throw std::logic_error("pty::SignalForwarder: another one is already active");
  }
  struct sigaction action {};
  action.sa_handler = forward;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: the run loop's poll wakes up and simply polls again.
  action.sa_flags = 0;
  for (int sig : signals) {
    struct sigaction old;
    if (sigaction(sig, &action, &old) < 0) {
      int error = errno;
      restore();
      throw std::system_error(error, std::generic_category(), "sigaction");
    }
    previous_.emplace_back(sig, old);
  }
}

SignalForwarder::~SignalForwarder() { restore(); }

void SignalForwarder::restore() {
  for (auto& [sig, old] : previous_) sigaction(sig, &old, nullptr);
  previous_.clear();
  g_target.store(0);
}

}  // namespace pty
