#include "queue/simulated_sandbox.h"

#include <sstream>

#include "sandbox/child_process.h"
#include "sandbox/worker.h"

namespace queue {

std::unique_ptr<sandbox::JobWorker> SimulatedSandbox::start_worker(unsigned index) const {
  std::ostringstream speedup;
  speedup << options_.speedup;
  std::vector<std::string> argv = {options_.agent, "--corpus", options_.corpus, "--speedup",
                                   speedup.str()};
  if (!options_.waits.empty()) {
    argv.emplace_back("--waits");
    argv.push_back(options_.waits);
  }
  return std::make_unique<sandbox::Worker>("standin-" + std::to_string(index),
                                           std::make_unique<sandbox::ChildProcess>(argv), nullptr);
}

}  // namespace queue
