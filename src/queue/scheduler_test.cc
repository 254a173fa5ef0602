#include "queue/scheduler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "queue/fake_sandbox.h"
#include "queue/ready_preparer.h"
#include "result/record.h"
#include "store/file_store.h"
#include "testing/forwarding_store.h"

namespace queue {
namespace {

namespace fs = std::filesystem;
using result::log_key;
using result::Outcome;
using result::raw_key;
using result::result_key;
using std::chrono::milliseconds;

constexpr const char* kTool = "check";

/// Prepares crates at once, in process: each crate's folder is put in the
/// inbox with a manifest; the names in `missing` are an error (as a crate
/// the registry does not have), those in `broken` cannot be resolved.
class FakePreparer : public ReadyPreparer {
 public:
  explicit FakePreparer(fs::path inbox) : inbox_(std::move(inbox)) {}

  std::set<std::string> missing;
  std::set<std::string> broken;
  std::set<std::string> unbundled;  // their bundle is missing when sent
  std::vector<std::string> fetched;

 protected:
  prepare::Prepared prepare(const catalogue::Crate& krate) override {
    fetched.push_back(krate.name);
    const std::string folder = krate.name + "-" + krate.version;
    prepare::Prepared prepared{.crate = krate, .staged = inbox_ / folder};
    prepared.result.seconds = 0.01;
    if (missing.contains(krate.name)) {
      prepared.result.error = krate.name + " " + krate.version + ": not in the fake registry";
    } else if (broken.contains(krate.name)) {
      prepared.result.status = prepare::PreparationResult::Status::kBroken;
      prepared.result.broken = result::Broken{"missing-dependency",
                                              "no matching package named "
                                              "`criterion` found"};
      prepared.log = "error: no matching package named `criterion` found\r\n";
    } else {
      prepared.result.status = prepare::PreparationResult::Status::kReady;
      prepared.result.packages = {"dep-of-" + krate.name + "-1.0.0"};
      prepared.result.cargo_config = "# bind mounts of " + folder + "\n";
      prepared.result.inline_cargo_config = "# inline files of " + folder + "\n";
      prepared.bundle = inbox_ / (folder + ".tar");
      fs::create_directories(inbox_);
      if (!unbundled.contains(krate.name)) std::ofstream(prepared.bundle) << "tar";
      fs::create_directories(prepared.staged);
      FILE* manifest = std::fopen((prepared.staged / "Cargo.toml").c_str(), "w");
      std::fprintf(manifest, "[package]\nname = \"%s\"\nversion = \"%s\"\n", krate.name.c_str(),
                   krate.version.c_str());
      std::fclose(manifest);
    }
    return prepared;
  }

 private:
  fs::path inbox_;
};

/// A real FileStore that throws StoreError when asked to open, or on the
/// Nth write to, an object whose key contains a given text.
class FailingStore : public testing_store::ForwardingStore {
 public:
  explicit FailingStore(const fs::path& root)
      : ForwardingStore(std::make_unique<store::FileStore>(root)) {}

  std::string fail_open;       // key text
  std::string fail_write;      // key text
  unsigned fail_on_write = 0;  // 1: the first write
  /// Every commit takes this long, as an S3 request behind a slow link.
  milliseconds commit_delay{0};

 protected:
  std::unique_ptr<store::ObjectWriter> do_open_writer(std::string_view key,
                                                      std::string_view content_type) override {
    if (!fail_open.empty() && key.find(fail_open) != std::string_view::npos) {
      throw store::StoreError("disk full (test) opening " + std::string(key));
    }
    auto writer = inner().open_writer(key, content_type);
    const bool failing = !fail_write.empty() && key.find(fail_write) != std::string_view::npos;
    if (!failing && commit_delay == milliseconds(0)) return writer;
    return std::make_unique<Writer>(std::move(writer), failing ? fail_on_write : 0, commit_delay);
  }

 private:
  class Writer : public store::ObjectWriter {
   public:
    Writer(std::unique_ptr<store::ObjectWriter> inner, unsigned fail_on, milliseconds delay)
        : inner_(std::move(inner)), fail_on_(fail_on), delay_(delay) {}
    void write(std::string_view bytes) override {
      if (++writes_ == fail_on_) {
        inner_->abort();
        throw store::StoreError("disk full (test)");
      }
      inner_->write(bytes);
    }
    void commit() override {
      std::this_thread::sleep_for(delay_);
      inner_->commit();
    }
    void abort() noexcept override { inner_->abort(); }
    uint64_t bytes_written() const override { return inner_->bytes_written(); }

   private:
    std::unique_ptr<store::ObjectWriter> inner_;
    unsigned fail_on_;
    milliseconds delay_;
    unsigned writes_ = 0;
  };
};

CrateScript chunks(std::initializer_list<std::pair<int, std::string>> list) {
  CrateScript script;
  for (const auto& [after, bytes] : list) script.output.push_back({milliseconds(after), bytes});
  return script;
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cah-scheduler-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    store_ = std::make_unique<FailingStore>(root_ / "store");
    progress_out_ = std::tmpfile();
    ASSERT_NE(progress_out_, nullptr);
    tool_.name = kTool;
    tool_.toolchain = "stable";
    tool_.commands = {{.args = {"cargo", "check"}}};
    preparer_ = std::make_unique<FakePreparer>(root_ / "inbox");
  }
  void TearDown() override {
    progress_.reset();
    std::fclose(progress_out_);
    fs::remove_all(root_);
  }

  static std::vector<catalogue::Crate> crates(std::initializer_list<std::string> names) {
    std::vector<catalogue::Crate> list;
    for (const std::string& name : names) {
      catalogue::Crate crate;
      crate.name = name;
      crate.version = "1.0.0";
      list.push_back(crate);
    }
    return list;
  }

  SchedulerOptions options(size_t workers) {
    return {
        .tool_name = kTool,
        .tool = tool_,
        .workers = workers,
        .inbox = root_ / "inbox",
        .stop_fd = -1,
        .grace = milliseconds(100),
    };
  }

  SchedulerResult run(const std::vector<catalogue::Crate>& plan, const SchedulerOptions& options) {
    progress_ = std::make_unique<Progress>(ProgressOptions{
        .out = progress_out_,
        .terminal = true,
        .columns = 1000,
        .workers = options.workers,
        .total = plan.size(),
    });
    Scheduler scheduler(options, sandbox_, *preparer_, *store_, *progress_);
    return scheduler.run(plan);
  }

  SchedulerResult run_on(const std::vector<catalogue::Crate>& plan, SchedulerOptions options,
                         std::vector<Engine> engines) {
    size_t workers = 0;
    for (const Engine& engine : engines) workers += engine.workers;
    progress_ = std::make_unique<Progress>(ProgressOptions{
        .out = progress_out_,
        .terminal = true,
        .columns = 1000,
        .workers = workers,
        .total = plan.size(),
    });
    options.engine_retry = milliseconds(50);
    options.engine_retry_max = milliseconds(200);
    Scheduler scheduler(std::move(options), std::move(engines), *preparer_, *store_, *progress_);
    return scheduler.run(plan);
  }

  std::optional<std::string> raw(const std::string& name) {
    return store_->get(raw_key(kTool, name, "1.0.0"));
  }
  std::optional<result::Record> record(const std::string& name) {
    const auto text = store_->get(result_key(kTool, name, "1.0.0"));
    if (!text) return std::nullopt;
    return result::parse_record(*text);
  }
  /// Every file in the store, temporaries included.
  std::set<std::string> files() {
    std::set<std::string> found;
    if (!fs::exists(root_ / "store")) return found;
    for (const auto& entry : fs::recursive_directory_iterator(root_ / "store")) {
      if (entry.is_regular_file()) found.insert(entry.path().lexically_relative(root_ / "store"));
    }
    return found;
  }
  std::set<std::string> objects_of(const std::string& name) {
    return {raw_key(kTool, name, "1.0.0"), log_key(kTool, name, "1.0.0"),
            result_key(kTool, name, "1.0.0")};
  }
  std::string progress_text() {
    std::fflush(progress_out_);
    std::rewind(progress_out_);
    std::string text;
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, progress_out_)) > 0) text.append(buffer, n);
    return text;
  }

  fs::path root_;
  tools::Tool tool_;
  FakeSandbox sandbox_;
  std::unique_ptr<FakePreparer> preparer_;
  std::unique_ptr<FailingStore> store_;
  FILE* progress_out_ = nullptr;
  std::unique_ptr<Progress> progress_;
};

TEST_F(SchedulerTest, InterleavedOutputLandsInEachCratesOwnLogInOrder) {
  sandbox_.script("a", chunks({{0, "a1 "}, {20, "a2 "}, {20, "a3 "}, {20, "a4\r\n"}}));
  sandbox_.script("b", chunks({{10, "b1 "}, {20, "b2 "}, {20, "b3 "}, {20, "b4\r\n"}}));
  CrateScript c = chunks({{5, "c1 "}, {20, "c2 "}, {20, "c3\r\n"}});
  c.result.commands = {{.exit_code = 101}};
  sandbox_.script("c", c);
  CrateScript d = chunks({{0, "d1\r\n"}});
  d.result.timed_out = agent::Timeout::kNoOutput;
  sandbox_.script("d", d);
  CrateScript e = chunks({{0, "e1\r\n"}});
  e.result.oom_killed = true;
  sandbox_.script("e", e);

  const SchedulerResult result = run(crates({"a", "b", "c", "d", "e"}), options(3));

  EXPECT_FALSE(result.interrupted);
  EXPECT_EQ(raw("a"), "a1 a2 a3 a4\r\n");
  EXPECT_EQ(raw("b"), "b1 b2 b3 b4\r\n");
  EXPECT_EQ(raw("c"), "c1 c2 c3\r\n");
  EXPECT_EQ(record("a")->outcome, Outcome::kPassed);
  EXPECT_EQ(record("c")->outcome, Outcome::kBuildFailed);
  EXPECT_EQ(record("d")->outcome, Outcome::kTimedOut);
  EXPECT_EQ(record("e")->outcome, Outcome::kOutOfMemory);
  EXPECT_EQ(record("a")->log_bytes, raw("a")->size());
  EXPECT_EQ(result.counts.at(Outcome::kPassed), 2u);
  // a, b and c ran at once, one per worker.
  const std::vector<SentJob> sent = sandbox_.sent();
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ((std::set<unsigned>{sent[0].worker, sent[1].worker, sent[2].worker}),
            (std::set<unsigned>{0, 1, 2}));
  EXPECT_EQ(sandbox_.workers_alive(), 0u);
  EXPECT_FALSE(fs::exists(root_ / "inbox"));
}

TEST_F(SchedulerTest, WithOneWorkerCratesRunInExactlyThePlansOrder) {
  const auto plan = crates({"e", "b", "d", "a", "c"});
  run(plan, options(1));
  EXPECT_EQ(sandbox_.sent_crates(), (std::vector<std::string>{"e", "b", "d", "a", "c"}));
  EXPECT_EQ(preparer_->fetched, (std::vector<std::string>{"e", "b", "d", "a", "c"}));
  // Each job names its crate's folder in the inbox as workers see it.
  EXPECT_EQ(sandbox_.sent().front().job.source.path, "/crates/e-1.0.0");
}

TEST_F(SchedulerTest, WithSeveralWorkersCratesStartInThePlansOrder) {
  for (const std::string name : {"e", "b", "d", "a", "c", "f"}) {
    sandbox_.script(name, chunks({{static_cast<int>(name[0] - 'a') * 7, name}}));
  }
  run(crates({"e", "b", "d", "a", "c", "f"}), options(3));
  EXPECT_EQ(sandbox_.sent_crates(), (std::vector<std::string>{"e", "b", "d", "a", "c", "f"}));
}

TEST_F(SchedulerTest, ADeathRequeuesTheCrateOnceAndOnlyTheSecondRunIsKept) {
  CrateScript a = chunks({{0, "try\r\n"}});
  a.deaths_first = 1;
  sandbox_.script("a", a);

  run(crates({"a"}), options(1));

  const auto a_record = record("a");
  ASSERT_TRUE(a_record);
  EXPECT_EQ(a_record->outcome, Outcome::kPassed);
  EXPECT_EQ(a_record->attempts, 2u);
  EXPECT_EQ(raw("a"), "try\r\n");  // the first attempt's log was dropped
  EXPECT_EQ(sandbox_.workers_started(), 2u);
  EXPECT_NE(progress_text().find("requeued"), std::string::npos);
}

TEST_F(SchedulerTest, ASecondDeathIsAnErrorWithTheLogSoFarAndTwoAttempts) {
  CrateScript a = chunks({{0, "compiling\r\n"}});
  a.end = CrateScript::End::kDeath;
  a.message = "container gone";
  sandbox_.script("a", a);

  const SchedulerResult result = run(crates({"a", "b"}), options(1));

  const auto a_record = record("a");
  ASSERT_TRUE(a_record);
  EXPECT_EQ(a_record->outcome, Outcome::kError);
  EXPECT_EQ(a_record->attempts, 2u);
  EXPECT_NE(a_record->error.find("container gone"), std::string::npos) << a_record->error;
  const std::string log = raw("a").value_or("");
  EXPECT_EQ(log.rfind("compiling\r\n", 0), 0u) << log;
  EXPECT_EQ(log.find("compiling", 1), std::string::npos) << "one attempt's log only: " << log;
  EXPECT_NE(log.find("the worker died"), std::string::npos) << log;
  EXPECT_EQ(record("b")->outcome, Outcome::kPassed);
  EXPECT_EQ(result.counts.at(Outcome::kError), 1u);
}

TEST_F(SchedulerTest, ARequeuedCrateGoesToTheHeadOfTheQueue) {
  CrateScript a = chunks({{0, "a"}});
  a.deaths_first = 1;
  sandbox_.script("a", a);
  run(crates({"a", "b", "c"}), options(1));
  EXPECT_EQ(sandbox_.sent_crates(), (std::vector<std::string>{"a", "a", "b", "c"}));
}

TEST_F(SchedulerTest, AJobErrorIsAnErrorRecord) {
  CrateScript a;
  a.end = CrateScript::End::kJobError;
  a.message = "cannot unpack";
  sandbox_.script("a", a);
  run(crates({"a"}), options(1));
  const auto a_record = record("a");
  ASSERT_TRUE(a_record);
  EXPECT_EQ(a_record->outcome, Outcome::kError);
  EXPECT_EQ(a_record->error, "cannot unpack");
  EXPECT_NE(raw("a")->find("the job could not start: cannot unpack"), std::string::npos);
}

TEST_F(SchedulerTest, AStoreThatCannotOpenALogEndsTheRunWithItsErrorAndNothingHalfWritten) {
  sandbox_.script("a", chunks({{0, "a1"}, {500, "a2"}}));
  store_->fail_open = log_key(kTool, "b", "1.0.0");
  EXPECT_THROW(run(crates({"a", "b"}), options(2)), store::StoreError);
  EXPECT_EQ(files(), std::set<std::string>{});  // a was in flight: aborted too
  EXPECT_EQ(sandbox_.workers_alive(), 0u);
  EXPECT_EQ(sandbox_.remove_all_calls(), 1u);
  EXPECT_FALSE(fs::exists(root_ / "inbox"));
}

TEST_F(SchedulerTest, AStoreThatFailsMidCrateEndsTheRunWithNoRecordForIt) {
  sandbox_.script("b", chunks({{0, "b1"}, {10, "b2"}, {10, "b3"}, {10, "b4"}}));
  store_->fail_write = raw_key(kTool, "b", "1.0.0");
  store_->fail_on_write = 3;
  EXPECT_THROW(run(crates({"a", "b", "c"}), options(1)), store::StoreError);
  // a finished before b; b and c left nothing.
  EXPECT_EQ(files(), objects_of("a"));
  EXPECT_EQ(sandbox_.sent_crates(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sandbox_.workers_alive(), 0u);
}

TEST_F(SchedulerTest, AStopMidRunLeavesNoObjectsForCratesInFlight) {
  sandbox_.script("slow", chunks({{0, "started\r\n"}, {5000, "never\r\n"}}));
  int stop[2];
  ASSERT_EQ(pipe(stop), 0);
  SchedulerOptions stopping = options(2);
  stopping.stop_fd = stop[0];
  // Once quick and later are done, slow is still in flight.
  const fs::path later_record = root_ / "store" / result_key(kTool, "later", "1.0.0");
  std::thread stopper([&] {
    for (int i = 0; i < 400 && !fs::exists(later_record); ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_EQ(write(stop[1], "x", 1), 1);
  });
  const auto started = std::chrono::steady_clock::now();
  const SchedulerResult result = run(crates({"slow", "quick", "later"}), stopping);
  stopper.join();
  close(stop[0]);
  close(stop[1]);

  EXPECT_TRUE(result.interrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(3000));
  EXPECT_EQ(files(), [&] {
    std::set<std::string> done = objects_of("quick");
    done.merge(objects_of("later"));
    return done;
  }());
  EXPECT_EQ(sandbox_.workers_alive(), 0u);
}

TEST_F(SchedulerTest, ASlowStoreDoesNotHoldUpTheWorkers) {
  store_->commit_delay = milliseconds(100);
  std::vector<catalogue::Crate> plan;
  for (int i = 0; i < 24; ++i) {
    plan.push_back(crates({"c" + std::to_string(i)})[0]);
    sandbox_.script("c" + std::to_string(i), chunks({{10, "output\r\n"}}));
  }
  SchedulerOptions slow = options(4);
  slow.store_writes.threads = 16;
  const auto started = std::chrono::steady_clock::now();
  const SchedulerResult result = run(plan, slow);
  // Blocking, 24 crates x 3 commits x 100 ms would take 7.2 s.
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(3000));
  EXPECT_EQ(result.counts.at(result::Outcome::kPassed), 24u);
  EXPECT_GT(result.peak_queued_writes, 1u);
  for (const catalogue::Crate& crate : plan) {
    ASSERT_TRUE(record(crate.name)) << crate.name;
    EXPECT_EQ(raw(crate.name), "output\r\n");
  }
}

TEST_F(SchedulerTest, AStopKeepsTheQueuedRecordsOfFinishedCrates) {
  store_->commit_delay = milliseconds(100);
  std::vector<catalogue::Crate> plan;
  for (int i = 0; i < 40; ++i) {
    plan.push_back(crates({"c" + std::to_string(i)})[0]);
    sandbox_.script("c" + std::to_string(i), chunks({{100, "output\r\n"}}));
  }
  int stop[2];
  ASSERT_EQ(pipe(stop), 0);
  SchedulerOptions stopping = options(4);
  stopping.stop_fd = stop[0];
  stopping.store_writes.threads = 2;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(300));
    ASSERT_EQ(write(stop[1], "x", 1), 1);
  });
  const SchedulerResult result = run(plan, stopping);
  stopper.join();
  close(stop[0]);
  close(stop[1]);
  EXPECT_TRUE(result.interrupted);
  // Every crate counted as finished has its record, page and raw log; no
  // other crate has any object.
  size_t finished = 0;
  std::set<std::string> expected;
  for (const catalogue::Crate& crate : plan) {
    if (record(crate.name)) {
      ++finished;
      expected.merge(objects_of(crate.name));
    }
  }
  EXPECT_GT(finished, 4u);  // more than the queue could store in the 300 ms
  EXPECT_LT(finished, plan.size());
  EXPECT_EQ(finished, result.counts.at(result::Outcome::kPassed));
  EXPECT_EQ(files(), expected);
}

TEST_F(SchedulerTest, AWorkerThatCannotStartLeavesTheCratesToTheOthers) {
  sandbox_.fail_starts({0});
  const SchedulerResult result = run(crates({"a", "b", "c"}), options(2));
  EXPECT_EQ(result.counts.at(Outcome::kPassed), 3u);
  for (const SentJob& sent : sandbox_.sent()) EXPECT_EQ(sent.worker, 1u);
  EXPECT_NE(progress_text().find("cannot start worker 0"), std::string::npos);
}

TEST_F(SchedulerTest, NoWorkerStartingIsASandboxError) {
  sandbox_.fail_starts({0, 1});
  EXPECT_THROW(run(crates({"a"}), options(2)), sandbox::SandboxError);
  EXPECT_EQ(files(), std::set<std::string>{});
}

TEST_F(SchedulerTest, AHungWorkerIsTakenForDeadPastItsDeadline) {
  // A job's own timeouts are at least a second (crate_job), plus the grace.
  CrateScript hang = chunks({{0, "waiting\r\n"}});
  hang.hangs_first = 1;
  sandbox_.script("hang", hang);
  const auto started = std::chrono::steady_clock::now();
  run(crates({"hang", "next"}), options(1));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(3000));
  EXPECT_EQ(sandbox_.sent_crates(), (std::vector<std::string>{"hang", "hang", "next"}));
  const auto hang_record = record("hang");
  ASSERT_TRUE(hang_record);
  EXPECT_EQ(hang_record->outcome, Outcome::kPassed);
  EXPECT_EQ(hang_record->attempts, 2u);
  EXPECT_NE(progress_text().find("fake-0 did not answer within its timeouts"), std::string::npos)
      << progress_text();
  EXPECT_EQ(sandbox_.workers_started(), 2u);
  EXPECT_EQ(sandbox_.workers_alive(), 0u);
}

TEST_F(SchedulerTest, AFetchFailureIsAnErrorRecordAndLeavesTheBusyWorkersStatus) {
  sandbox_.script("slow", chunks({{0, "slow\r\n"}, {100, "done\r\n"}}));
  preparer_->missing = {"gone"};
  // One worker: gone is prepared (and fails) while slow runs.
  run(crates({"slow", "x", "gone"}), options(1));

  const auto gone = record("gone");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->outcome, Outcome::kError);
  EXPECT_NE(gone->error.find("not in the fake registry"), std::string::npos) << gone->error;
  EXPECT_NE(raw("gone")->find("not in the fake registry"), std::string::npos);
  EXPECT_EQ(sandbox_.sent_crates(), (std::vector<std::string>{"slow", "x"}));
  // The status line drawn after gone's line still shows slow on worker 0.
  const std::string text = progress_text();
  const size_t line = text.find("gone 1.0.0");
  ASSERT_NE(line, std::string::npos) << text;
  const size_t status_end = text.find("slow 1.0.0:", line);
  EXPECT_NE(text.substr(line, status_end - line).find("w0 slow 1.0.0"), std::string::npos) << text;
}

TEST_F(SchedulerTest, ABrokenCrateNeverReachesAWorkerAndIsNotAFailure) {
  preparer_->broken = {"b"};
  const SchedulerResult result = run(crates({"a", "b", "c"}), options(2));
  EXPECT_EQ(sandbox_.sent_crates(), (std::vector<std::string>{"a", "c"}));
  const auto b = record("b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->outcome, Outcome::kBroken);
  ASSERT_TRUE(b->broken);
  EXPECT_EQ(b->broken->kind, "missing-dependency");
  EXPECT_EQ(b->attempts, 0u);
  EXPECT_NE(raw("b")->find("no matching package named `criterion` found"), std::string::npos);
  EXPECT_EQ(result.counts.at(Outcome::kBroken), 1u);
  EXPECT_EQ(result.counts.at(Outcome::kPassed), 2u);
  EXPECT_EQ(result.preparation.seconds.size(), 3u);
  EXPECT_NE(progress_text().find("b 1.0.0: broken"), std::string::npos) << progress_text();
}

TEST_F(SchedulerTest, UpkeepSeesThePackagesOfEveryCrateNotDone) {
  sandbox_.script("a", chunks({{0, "a\r\n"}, {300, "a done\r\n"}}));
  std::vector<std::set<std::string>> calls;
  SchedulerOptions opts = options(1);
  opts.upkeep_every = 2;
  opts.upkeep = [&calls](const std::set<std::string>& in_use) { calls.push_back(in_use); };
  run(crates({"a", "b", "c", "d"}), opts);
  ASSERT_EQ(calls.size(), 2u);
  // When the second crate was prepared, a ran and b waited for the worker.
  EXPECT_TRUE(calls[0].contains("a-1.0.0")) << calls[0].size();
  EXPECT_TRUE(calls[0].contains("dep-of-a-1.0.0"));
  EXPECT_FALSE(calls[0].contains("dep-of-d-1.0.0"));
}

TEST_F(SchedulerTest, ABatchOfBrokenCratesIsFollowedByTheNext) {
  // One worker prefetches two crates: both broken, the run must go on to
  // the crates behind them rather than stop for want of a worker.
  preparer_->broken = {"b1", "b2", "b3", "b4"};
  const SchedulerResult result = run(crates({"b1", "b2", "b3", "b4", "ok"}), options(1));
  EXPECT_EQ(result.counts.at(Outcome::kBroken), 4u);
  EXPECT_EQ(result.counts.at(Outcome::kPassed), 1u);
  EXPECT_EQ(sandbox_.sent_crates(), std::vector<std::string>{"ok"});
}

}  // namespace
}  // namespace queue

namespace queue {
namespace {

std::vector<std::string> names(size_t count) {
  std::vector<std::string> list;
  list.reserve(count);
  for (size_t i = 0; i < count; ++i) list.push_back("crate" + std::to_string(i));
  return list;
}

std::vector<catalogue::Crate> plan_of(const std::vector<std::string>& list) {
  std::vector<catalogue::Crate> plan;
  plan.reserve(list.size());
  for (const std::string& name : list) plan.push_back({.name = name, .version = "1.0.0"});
  return plan;
}

TEST_F(SchedulerTest, CratesGoToFreeWorkersOnEveryEngineAndRecordsNameTheirEngine) {
  FakeSandbox other;
  const auto list = names(12);
  for (const std::string& name : list) {
    sandbox_.script(name, chunks({{30, name + "\r\n"}}));
    other.script(name, chunks({{30, name + "\r\n"}}));
  }
  const SchedulerResult result =
      run_on(plan_of(list), options(3),
             {{.name = "local", .sandbox = &sandbox_, .workers = 2},
              {.name = "ssh://builder", .sandbox = &other, .workers = 1}});

  EXPECT_EQ(result.counts.at(Outcome::kPassed), list.size());
  EXPECT_EQ(sandbox_.sent().size() + other.sent().size(), list.size());  // each exactly once
  EXPECT_GT(other.sent().size(), 0u);
  EXPECT_GT(sandbox_.sent().size(), other.sent().size());
  std::map<std::string, size_t> per_engine;
  for (const std::string& name : list) ++per_engine[record(name)->engine];
  EXPECT_EQ(per_engine["local"], sandbox_.sent().size());
  EXPECT_EQ(per_engine["ssh://builder"], other.sent().size());
  ASSERT_EQ(result.engines.size(), 2u);
  EXPECT_EQ(result.engines[1].name, "ssh://builder");
  EXPECT_EQ(result.engines[1].crates, other.sent().size());
  EXPECT_EQ(result.engines[1].losses, 0u);
}

TEST_F(SchedulerTest, ARemoteEnginesJobsCarryTheirFilesAndTheLocalOnesUseTheMounts) {
  FakeSandbox remote;
  const auto list = names(6);
  for (const std::string& name : list) {
    sandbox_.script(name, chunks({{20, name + "\r\n"}}));
    remote.script(name, chunks({{20, name + "\r\n"}}));
  }
  run_on(plan_of(list), options(2),
         {{.name = "local", .sandbox = &sandbox_, .workers = 1},
          {.name = "ssh://far", .sandbox = &remote, .workers = 1, .remote = true}});
  ASSERT_GT(remote.sent().size(), 0u);
  ASSERT_GT(sandbox_.sent().size(), 0u);
  for (const SentJob& sent : remote.sent()) {
    const std::string folder = sent.job.crate + "-1.0.0";
    EXPECT_EQ(sent.job.source.kind, agent::Source::Kind::kInline);
    EXPECT_EQ(sent.attachment, root_ / "inbox" / (folder + ".tar"));
    EXPECT_EQ(sent.job.cargo_config, "# inline files of " + folder + "\n");
  }
  for (const SentJob& sent : sandbox_.sent()) {
    const std::string folder = sent.job.crate + "-1.0.0";
    EXPECT_EQ(sent.job.source.kind, agent::Source::Kind::kDirectory);
    EXPECT_EQ(sent.job.source.path, "/crates/" + folder);
    EXPECT_TRUE(sent.attachment.empty());
    EXPECT_EQ(sent.job.cargo_config, "# bind mounts of " + folder + "\n");
  }
}

TEST_F(SchedulerTest, ACrateWhoseFilesCannotBeSentIsOurErrorAndTheWorkerGoesOn) {
  FakeSandbox remote;
  preparer_->unbundled = {"crate1"};
  const auto list = names(3);
  const SchedulerResult result =
      run_on(plan_of(list), options(1),
             {{.name = "ssh://far", .sandbox = &remote, .workers = 1, .remote = true}});
  EXPECT_EQ(record("crate1")->outcome, Outcome::kError);
  EXPECT_NE(record("crate1")->error.find("cannot send the crate's files"), std::string::npos);
  EXPECT_EQ(record("crate0")->outcome, Outcome::kPassed);
  EXPECT_EQ(record("crate2")->outcome, Outcome::kPassed);
  EXPECT_EQ(remote.workers_started(), 1u);
  EXPECT_EQ(result.counts.at(Outcome::kError), 1u);
}

TEST_F(SchedulerTest, NothingToRunNeedsNoEngine) {
  const SchedulerResult result = run_on({}, options(1), {});
  EXPECT_TRUE(result.counts.empty());
  EXPECT_FALSE(result.interrupted);
  EXPECT_THROW(run_on(plan_of(names(1)), options(1), {}), sandbox::SandboxError);
}

TEST_F(SchedulerTest, ALostEngineGivesItsCratesBackWithoutCountingAnAttemptAndRejoins) {
  FakeSandbox other;
  const auto list = names(16);
  for (const std::string& name : list) {
    sandbox_.script(name, chunks({{40, name + "\r\n"}}));
    other.script(name, chunks({{40, name + "\r\n"}}));
  }
  // crate1 goes to the second engine first (the plan's order), and takes
  // it down for a while; crate1's neighbour there dies with it.
  CrateScript victim = chunks({{20, "half a log"}});
  victim.engine_losses_first = 1;
  victim.engine_down_for = milliseconds(150);
  sandbox_.script("crate1", victim);
  other.script("crate1", victim);

  const SchedulerResult result =
      run_on(plan_of(list), options(4),
             {{.name = "local", .sandbox = &sandbox_, .workers = 2},
              {.name = "tcp://other:2376", .sandbox = &other, .workers = 2}});

  EXPECT_FALSE(result.interrupted);
  EXPECT_EQ(result.counts.at(Outcome::kPassed), list.size());
  for (const std::string& name : list) {
    const auto done = record(name);
    ASSERT_TRUE(done) << name;
    // Nobody's attempt: the engine was lost, not the crate's worker.
    EXPECT_EQ(done->attempts, 1u) << name;
    // No part of the lost attempt's log stays.
    EXPECT_EQ(*raw(name), name == "crate1" ? "half a log" : name + "\r\n") << name;
  }
  ASSERT_EQ(result.engines.size(), 2u);
  const size_t lost_engine = sandbox_.sent_crates().front() == "crate1" ? 0 : 1;
  EXPECT_EQ(result.engines[lost_engine].losses, 1u);
  // It came back and took crates again after it was lost.
  const FakeSandbox& lost = lost_engine == 0 ? sandbox_ : other;
  const auto sent = lost.sent_crates();
  const auto loss = std::find(sent.begin(), sent.end(), "crate1");
  ASSERT_NE(loss, sent.end());
  EXPECT_GT(std::count_if(loss + 1, sent.end(), [](const std::string&) { return true; }), 0)
      << "the engine never rejoined";
  EXPECT_GE(lost.probes(), 2u);
  EXPECT_NE(progress_text().find("lost"), std::string::npos);
  EXPECT_NE(progress_text().find("is back"), std::string::npos);
}

TEST_F(SchedulerTest, WithEveryEngineLostTheRunWaitsForOneToComeBack) {
  const auto list = names(5);
  CrateScript victim = chunks({{10, "x"}});
  victim.engine_losses_first = 1;
  victim.engine_down_for = milliseconds(300);
  sandbox_.script("crate2", victim);
  const auto started = std::chrono::steady_clock::now();
  const SchedulerResult result =
      run_on(plan_of(list), options(1), {{.name = "local", .sandbox = &sandbox_, .workers = 1}});
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(300));
  EXPECT_EQ(result.counts.at(Outcome::kPassed), list.size());
  EXPECT_EQ(record("crate2")->attempts, 1u);
  EXPECT_NE(progress_text().find("every engine is lost: waiting for one"), std::string::npos);
}

TEST_F(SchedulerTest, WithEveryEngineLostTheRunStopsWhenToldToKeepingWhatWasDone) {
  const auto list = names(5);
  CrateScript victim = chunks({{10, "x"}});
  victim.engine_losses_first = 1;
  victim.engine_down_for = std::chrono::seconds(60);
  sandbox_.script("crate2", victim);
  SchedulerOptions stopping = options(1);
  stopping.stop_without_engines = true;
  EXPECT_THROW(
      {
        try {
          run_on(plan_of(list), stopping, {{.name = "local", .sandbox = &sandbox_, .workers = 1}});
        } catch (const sandbox::SandboxError& e) {
          EXPECT_NE(std::string(e.what()).find("every engine is lost"), std::string::npos);
          throw;
        }
      },
      sandbox::SandboxError);
  EXPECT_TRUE(record("crate0"));
  EXPECT_TRUE(record("crate1"));
  EXPECT_FALSE(record("crate2"));
  EXPECT_EQ(files().count(raw_key(kTool, "crate2", "1.0.0")), 0u) << "nothing half-written";
}

TEST_F(SchedulerTest, AWorkerThatDiesOnAnEngineThatAnswersStillCountsAsAnAttempt) {
  CrateScript dies = chunks({{0, "x"}});
  dies.deaths_first = 1;
  sandbox_.script("a", dies);
  run(crates({"a"}), options(1));
  EXPECT_EQ(record("a")->attempts, 2u);
  EXPECT_GE(sandbox_.probes(), 1u) << "the engine was asked";
}

}  // namespace
}  // namespace queue
