#pragma once
// A sandbox of stand-in workers for the fleet simulation (bench/fleet/run):
// each worker is a real sandbox::Worker, over the real protocol and pipes,
// whose process is cah-standin-agent (standin_agent_main.cc) instead of a
// container with the agent. The stand-in replays recorded logs from a
// corpus at the recorded pace, sped up, so the server's loop, its store
// writes and `sync` can be driven at the scale of a full sweep without the
// hardware. queue/fake_sandbox.h is the in-process fake for unit tests.

#include <memory>
#include <string>
#include <vector>

#include "sandbox/sandbox.h"

namespace queue {

struct SimulatedSandboxOptions {
  /// The cah-standin-agent binary.
  std::string agent;
  /// Its --corpus index: "WALL_SECONDS EXIT_CODE PATH" per recorded run.
  std::string corpus;
  /// Recorded run times are divided by this.
  double speedup = 1;
  /// Where every worker appends its waits (microseconds from sending a
  /// result to reading the next job); empty for none.
  std::string waits;
};

class SimulatedSandbox : public sandbox::Sandbox {
 public:
  explicit SimulatedSandbox(SimulatedSandboxOptions options) : options_(std::move(options)) {}

  std::unique_ptr<sandbox::JobWorker> start_worker(unsigned index) const override;
  /// The stand-ins are the workers' children: nothing outlives them.
  size_t remove_all() const override { return 0; }
  std::vector<std::string> probe_command() const override { return {"true"}; }

 private:
  SimulatedSandboxOptions options_;
};

}  // namespace queue
