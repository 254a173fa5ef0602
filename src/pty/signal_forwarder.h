#pragma once
// The child runs in a session of its own, so a Ctrl-C or a `kill` meant for
// us would never reach it. While a SignalForwarder lives, those signals go to
// the child's process group instead of ending us; we then drain the terminal
// and report the child's status as usual.

#include <csignal>
#include <initializer_list>
#include <vector>

#include "pty/pty.h"

namespace pty {

class SignalForwarder {
 public:
  /// Only one forwarder may be alive at a time (signal handlers are global).
  explicit SignalForwarder(const Child& child,
                           std::initializer_list<int> signals = {SIGINT, SIGTERM, SIGHUP});
  /// Puts the previous handlers back.
  ~SignalForwarder();
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;

 private:
  void restore();

  std::vector<std::pair<int, struct sigaction>> previous_;
};

}  // namespace pty
