#pragma once
// A Preparer whose crates are ready the moment they are asked for: the
// scheduler's tests (FakePreparer) and the fleet simulation
// (fleet_perftest.cc) use it, so that only the workers and the store pace
// a run. A crate finished but not yet taken counts as running, as a child
// not yet reaped does for the real one (prepare/preparer.h).

#include <vector>

#include "prepare/preparer.h"

namespace queue {

class ReadyPreparer : public prepare::Preparer {
 public:
  size_t running() const override { return finished_.size(); }
  bool can_start() const override { return true; }
  void start(const catalogue::Crate& krate) override { finished_.push_back(prepare(krate)); }
  std::vector<int> fds() const override { return {}; }
  void read_available() override {}
  std::vector<prepare::Prepared> take_finished() override {
    std::vector<prepare::Prepared> out;
    out.swap(finished_);
    return out;
  }
  void stop_all() override {}

 protected:
  /// The crate's preparation: ready, with nothing staged, unless overridden.
  virtual prepare::Prepared prepare(const catalogue::Crate& krate) {
    prepare::Prepared prepared{.crate = krate};
    prepared.result.status = prepare::PreparationResult::Status::kReady;
    return prepared;
  }

 private:
  std::vector<prepare::Prepared> finished_;
};

}  // namespace queue
