#include "queue/fake_sandbox.h"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace queue {

using SteadyClock = std::chrono::steady_clock;

class FakeWorker;

struct FakeSandbox::State {
  /// The engine is down until then: probes fail, no worker starts.
  SteadyClock::time_point down_until;
  bool down() const { return SteadyClock::now() < down_until; }
  std::set<FakeWorker*> workers;  // alive
  mutable size_t probes = 0;
  std::map<std::string, CrateScript> scripts;
  std::set<unsigned> failing_starts;
  std::vector<SentJob> sent;
  std::map<std::string, unsigned> jobs_per_crate;
  size_t started = 0;
  size_t alive = 0;
  size_t remove_all_calls = 0;
};

/// One scripted worker: its events wait in a queue, each due at a time, and
/// a timerfd armed for the first one wakes the owner's poll.
class FakeWorker : public sandbox::JobWorker {
 public:
  FakeWorker(std::shared_ptr<FakeSandbox::State> state, unsigned index)
      : state_(std::move(state)),
        index_(index),
        name_("fake-" + std::to_string(index)),
        timer_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    if (timer_ < 0) throw std::system_error(errno, std::generic_category(), "timerfd_create");
    state_->workers.insert(this);
  }
  ~FakeWorker() override {
    stop();
    close(timer_);
  }

  /// Its engine went away: it dies at once, as a `docker run` client does
  /// when its connection drops.
  void lose_engine() {
    queue_.clear();
    queue_.push_back({SteadyClock::now(), Kind::kDeath, name_ + " lost its engine", {}});
    arm();
  }
  FakeWorker(const FakeWorker&) = delete;
  FakeWorker& operator=(const FakeWorker&) = delete;

  const std::string& name() const override { return name_; }
  bool alive() const override { return !dead_; }
  bool busy() const override { return busy_; }

  void send(const agent::Job& job, sandbox::JobEvents events,
            const std::filesystem::path& attachment = {}) override {
    if (dead_) throw std::logic_error("worker " + name_ + " is dead");
    if (busy_) throw std::logic_error("worker " + name_ + " is busy");
    // As the real worker: an attachment that cannot be opened is refused
    // and the worker stays idle.
    if (!attachment.empty() && !std::filesystem::exists(attachment)) {
      throw std::system_error(ENOENT, std::generic_category(), attachment.string());
    }
    state_->sent.push_back({index_, job, attachment});
    const unsigned attempt = ++state_->jobs_per_crate[job.crate];
    CrateScript script;
    if (auto it = state_->scripts.find(job.crate); it != state_->scripts.end()) {
      script = it->second;
    } else {
      script.output = {{.bytes = job.crate + " " + job.version + "\r\n"}};
    }
    events_ = std::move(events);
    busy_ = true;
    auto due = SteadyClock::now();
    for (const CrateScript::Chunk& chunk : script.output) {
      due += chunk.after;
      queue_.push_back({due, Kind::kOutput, chunk.bytes, {}});
    }
    due += script.end_after;
    CrateScript::End end = script.end;
    if (attempt <= script.engine_losses_first) {
      queue_.push_back({due, Kind::kEngineLoss, {}, {}});
      engine_down_for_ = script.engine_down_for;
      arm();
      return;
    }
    if (attempt <= script.deaths_first) {
      end = CrateScript::End::kDeath;
    } else if (attempt <= script.deaths_first + script.hangs_first) {
      end = CrateScript::End::kHang;
    }
    switch (end) {
      case CrateScript::End::kResult:
        queue_.push_back({due, Kind::kResult, {}, script.result});
        break;
      case CrateScript::End::kJobError:
        queue_.push_back({due, Kind::kJobError, script.message, {}});
        break;
      case CrateScript::End::kDeath:
        queue_.push_back({due, Kind::kDeath, name_ + " died: " + script.message, {}});
        break;
      case CrateScript::End::kHang:
        break;
    }
    arm();
  }

  std::vector<int> output_fds() const override {
    if (dead_) return {};
    return {timer_};
  }

  // An attachment is only recorded: nothing waits to be written.
  int input_fd() const override { return -1; }
  bool write_available() override { return !dead_; }

  bool read_available() override {
    if (dead_) return false;
    uint64_t expirations = 0;
    while (read(timer_, &expirations, sizeof expirations) < 0 && errno == EINTR) {
    }
    while (!dead_ && !queue_.empty() && queue_.front().due <= SteadyClock::now()) {
      Event event = std::move(queue_.front());
      queue_.pop_front();
      deliver(std::move(event));
    }
    if (!dead_) arm();
    return !dead_;
  }

  void stop() override {
    if (!dead_) --state_->alive;
    state_->workers.erase(this);
    dead_ = true;
    busy_ = false;
    queue_.clear();
    events_ = {};
  }

  std::vector<std::string> take_warnings() override { return {}; }

 private:
  enum class Kind { kOutput, kResult, kJobError, kDeath, kEngineLoss };
  struct Event {
    SteadyClock::time_point due;
    Kind kind;
    std::string text;
    agent::JobResult result;
  };

  void deliver(Event event) {
    if (event.kind == Kind::kOutput) {
      if (events_.on_output) events_.on_output(event.text);
      return;
    }
    if (event.kind == Kind::kEngineLoss) {
      FakeSandbox::lose(*state_, engine_down_for_);
      return;
    }
    busy_ = false;
    const sandbox::JobEvents done = std::exchange(events_, {});
    switch (event.kind) {
      case Kind::kResult:
        if (done.on_result) done.on_result(std::move(event.result));
        break;
      case Kind::kJobError:
        if (done.on_job_error) done.on_job_error(std::move(event.text));
        break;
      case Kind::kDeath:
        stop();
        if (done.on_death) done.on_death(std::move(event.text));
        break;
      case Kind::kOutput:
      case Kind::kEngineLoss:
        break;
    }
  }

  /// Readable when the first event is due; never while nothing is queued.
  void arm() {
    itimerspec spec{};
    if (!queue_.empty()) {
      const auto left = std::max(queue_.front().due - SteadyClock::now(),
                                 SteadyClock::duration(std::chrono::nanoseconds(1)));
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    if (timerfd_settime(timer_, 0, &spec, nullptr) < 0) {
      throw std::system_error(errno, std::generic_category(), "timerfd_settime");
    }
  }

  std::shared_ptr<FakeSandbox::State> state_;
  unsigned index_;
  std::string name_;
  int timer_;
  sandbox::JobEvents events_;
  std::deque<Event> queue_;
  bool busy_ = false;
  bool dead_ = false;
  std::chrono::milliseconds engine_down_for_{0};
};

void FakeSandbox::lose(State& state, std::chrono::milliseconds how_long) {
  state.down_until = SteadyClock::now() + how_long;
  const std::set<FakeWorker*> workers = state.workers;
  for (FakeWorker* worker : workers) worker->lose_engine();
}

void FakeSandbox::lose_engine(std::chrono::milliseconds how_long) { lose(*state_, how_long); }

size_t FakeSandbox::probes() const { return state_->probes; }

FakeSandbox::FakeSandbox() : state_(std::make_shared<State>()) {}
FakeSandbox::~FakeSandbox() = default;

void FakeSandbox::script(const std::string& crate, CrateScript script) {
  state_->scripts[crate] = std::move(script);
}

void FakeSandbox::fail_starts(std::set<unsigned> indexes) {
  state_->failing_starts = std::move(indexes);
}

std::unique_ptr<sandbox::JobWorker> FakeSandbox::start_worker(unsigned index) const {
  if (state_->down()) throw sandbox::SandboxError("fake engine is down");
  if (state_->failing_starts.contains(index)) {
    throw sandbox::SandboxError("fake worker " + std::to_string(index) + " cannot start");
  }
  ++state_->started;
  ++state_->alive;
  return std::make_unique<FakeWorker>(state_, index);
}

std::vector<std::string> FakeSandbox::probe_command() const {
  ++state_->probes;
  return {state_->down() ? "false" : "true"};
}

size_t FakeSandbox::remove_all() const {
  ++state_->remove_all_calls;
  return 0;
}

std::vector<SentJob> FakeSandbox::sent() const { return state_->sent; }

std::vector<std::string> FakeSandbox::sent_crates() const {
  std::vector<std::string> crates;
  for (const SentJob& sent : state_->sent) crates.push_back(sent.job.crate);
  return crates;
}

size_t FakeSandbox::workers_started() const { return state_->started; }
size_t FakeSandbox::workers_alive() const { return state_->alive; }
size_t FakeSandbox::remove_all_calls() const { return state_->remove_all_calls; }

}  // namespace queue
