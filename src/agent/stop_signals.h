#pragma once
// Being asked to stop. `docker stop` sends SIGTERM to tini, which passes it
// on to us; SIGINT and SIGHUP mean the same. The handler only records the
// signal; whoever waits checks it: the runner on every turn of its poll
// loop (RunnerOptions::should_stop), the agent between jobs. The job is
// killed and cleaned up, and the agent exits with 128+signal.

#include <array>
#include <csignal>

namespace agent {

class StopSignals {
 public:
  /// Installs the handlers without SA_RESTART, so that a blocking call
  /// returns EINTR. Only one may be alive at a time (handlers are global).
  StopSignals();
  /// Puts the previous handlers back.
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// The first stop signal that came, 0 while none has.
  int received() const;

  /// Waits until `fd` is readable (or at its end); false once a stop signal
  /// has come. The signals are blocked from the check until ppoll unblocks
  /// them, so one that comes just before the wait still ends it.
  bool wait_readable(int fd) const;

 private:
  std::array<struct sigaction, 3> previous_;  // one for each signal
};

}  // namespace agent
