#include "queue/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace queue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kClear = "\r\x1b[K";

// Wall-clock stamps are spdlog's, not the fake clock's: mask them.
std::string masked(const std::string& text) {
  static const std::regex kStamp(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d )");
  return std::regex_replace(text, kStamp, "<time> ");
}

/// A FILE* whose contents the test can read back.
class MemoryFile {
 public:
  MemoryFile() : file_(open_memstream(&data_, &size_)) {}
  ~MemoryFile() {
    std::fclose(file_);
    std::free(data_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  FILE* get() const { return file_; }
  std::string text() {
    std::fflush(file_);
    return {data_, size_};
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  FILE* file_;
};

class ProgressTest : public ::testing::Test {
 protected:
  ProgressOptions options(bool terminal, size_t workers, size_t total) {
    return {.out = out_.get(),
            .terminal = terminal,
            .columns = 200,
            .workers = workers,
            .total = total,
            .now = [this] { return now_; }};
  }
  void advance(std::chrono::steady_clock::duration by) { now_ += by; }
  std::string output() { return out_.text(); }

 private:
  MemoryFile out_;
  std::chrono::steady_clock::time_point now_;
};

size_t count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// The status lines drawn: each clear is followed by a log line (which ends in
// a newline), a status line, or nothing.
std::vector<std::string> status_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t at = text.find(kClear);
  while (at != std::string_view::npos) {
    const size_t begin = at + kClear.size();
    at = text.find(kClear, begin);
    const std::string_view piece =
        text.substr(begin, at == std::string_view::npos ? at : at - begin);
    if (!piece.empty() && piece.find('\n') == std::string_view::npos) lines.emplace_back(piece);
  }
  return lines;
}

TEST(FormatDuration, KeepsTheTwoLargestUnits) {
  EXPECT_EQ(format_duration(seconds(0)), "0s");
  EXPECT_EQ(format_duration(seconds(42)), "42s");
  EXPECT_EQ(format_duration(seconds(60)), "1m 00s");
  EXPECT_EQ(format_duration(seconds(5 * 60 + 10)), "5m 10s");
  EXPECT_EQ(format_duration(seconds(2 * 3600 + 5 * 60 + 59)), "2h 05m");
  EXPECT_EQ(format_duration(seconds(3 * 86400 + 4 * 3600 + 59 * 60)), "3d 04h");
  EXPECT_EQ(format_duration(seconds(400 * 86400)), "400d 00h");
  EXPECT_EQ(format_duration(seconds(-5)), "0s");
}

TEST(ParseLogLevel, AcceptsTheFiveNamesInAnyCase) {
  EXPECT_EQ(parse_log_level("trace"), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_EQ(parse_log_level("WARN"), spdlog::level::warn);
}

TEST(ParseLogLevel, RejectsOthersNamingTheValidOnes) {
  for (const std::string_view name : {"verbose", "", "warning ", "infos"}) {
    try {
      parse_log_level(name);
      ADD_FAILURE() << "accepted \"" << name << '"';
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("trace, debug, info, warn or error"));
      EXPECT_THAT(e.what(), HasSubstr(fmt::format("\"{}\"", name)));
    }
  }
}

TEST(LogLevelFromEnv, ReadsCahLog) {
  ::unsetenv("CAH_LOG");
  EXPECT_EQ(log_level_from_env(), std::nullopt);
  ::setenv("CAH_LOG", "", 1);
  EXPECT_EQ(log_level_from_env(), std::nullopt);
  ::setenv("CAH_LOG", "debug", 1);
  EXPECT_EQ(log_level_from_env(), spdlog::level::debug);
  ::setenv("CAH_LOG", "loud", 1);
  try {
    log_level_from_env();
    ADD_FAILURE() << "accepted CAH_LOG=loud";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), StartsWith("CAH_LOG: unknown log level \"loud\""));
  }
  ::unsetenv("CAH_LOG");
}

TEST_F(ProgressTest, PlainOutputLogsEveryEvent) {
  Progress progress(options(false, 2, 10));
  progress.started(0, "serde", "1.0.200");
  progress.started(1, "rand", "0.8.5");
  progress.finished(0, "serde", "1.0.200", Outcome::kPassed, 12.34);
  progress.finished(1, "rand", "0.8.5", Outcome::kTimedOut, 3600);
  progress.started(0, "libc", "0.2.150");
  progress.requeued(0, "libc", "0.2.150", "exited with signal 9");
  progress.message(spdlog::level::warn, "disk almost full");
  progress.finish();

  EXPECT_EQ(masked(output()),
            "<time> [info] serde 1.0.200: started on worker 0\n"
            "<time> [info] rand 0.8.5: started on worker 1\n"
            "<time> [info] serde 1.0.200: passed (12.3 s)\n"
            "<time> [info] rand 0.8.5: timed out (3600.0 s)\n"
            "<time> [info] libc 0.2.150: started on worker 0\n"
            "<time> [warning] libc 0.2.150: requeued from worker 0: exited with signal 9\n"
            "<time> [warning] disk almost full\n");
}

TEST_F(ProgressTest, PlainOutputReportsProgressEveryMinute) {
  Progress progress(options(false, 2, 10));
  progress.started(0, "serde", "1.0.200");
  progress.started(1, "rand", "0.8.5");
  advance(seconds(30));
  progress.finished(0, "serde", "1.0.200", Outcome::kPassed, 30);
  progress.finished(1, "rand", "0.8.5", Outcome::kTestFailed, 30);
  progress.started(0, "libc", "0.2.150");
  advance(seconds(29));
  progress.tick();
  EXPECT_THAT(output(), Not(HasSubstr("progress:")));

  advance(seconds(1));
  progress.tick();
  advance(seconds(1));
  progress.tick();
  const std::string text = masked(output());
  EXPECT_EQ(count(text, "progress:"), 1u);
  // Two crates in a minute: 120 an hour, and the other eight in four minutes.
  EXPECT_THAT(text, ::testing::EndsWith("\n<time> [info] progress: 2/10 20.0% | 120/h | "
                                        "ETA 4m 00s | passed 1 test-failed 1 | 1 running\n"));
}

TEST_F(ProgressTest, LevelHidesQuieterLines) {
  auto opts = options(false, 1, 10);
  opts.level = spdlog::level::warn;
  Progress progress(std::move(opts));
  progress.started(0, "serde", "1.0.200");
  progress.finished(0, "serde", "1.0.200", Outcome::kTestFailed, 1);
  progress.started(0, "rand", "0.8.5");
  progress.requeued(0, "rand", "0.8.5", "gone");
  progress.finished(0, "libc", "0.2.150", Outcome::kError, 1);
  advance(seconds(120));
  progress.tick();
  const std::string text = output();
  EXPECT_EQ(count(text, "\n"), 2u) << text;
  EXPECT_THAT(text, HasSubstr("[warning] rand 0.8.5: requeued"));
  EXPECT_THAT(text, HasSubstr("[warning] libc 0.2.150: error (1.0 s)"));
}

TEST_F(ProgressTest, DebugShowsStartsAndPassesOnATerminal) {
  Progress progress(options(true, 1, 10));
  progress.started(0, "serde", "1.0.200");
  progress.set_level(spdlog::level::debug);
  advance(seconds(1));
  progress.finished(0, "serde", "1.0.200", Outcome::kPassed, 1);
  EXPECT_EQ(masked(output()),
            "\r\x1b[K0/10 0.0% | --/h | ETA -- | w0 serde 1.0.200 (0s)"
            "\r\x1b[K<time> [debug] serde 1.0.200: passed (1.0 s)\n"
            "\r\x1b[K1/10 10.0% | 3600/h | ETA 9s | passed 1");
}

TEST_F(ProgressTest, TerminalDrawsTheStatusLine) {
  Progress progress(options(true, 2, 100));
  progress.started(0, "serde", "1.0.200");
  advance(seconds(180));
  progress.started(1, "rand", "0.8.5");
  advance(seconds(12));
  progress.tick();
  EXPECT_THAT(output(),
              HasSubstr(fmt::format("{}0/100 0.0% | --/h | ETA -- | w0 serde 1.0.200 (3m 12s) "
                                    "w1 rand 0.8.5 (12s)",
                                    kClear)));
  // Nothing but the status line: the starts are in it.
  EXPECT_THAT(output(), Not(HasSubstr("\n")));

  advance(seconds(8));
  progress.finished(1, "rand", "0.8.5", Outcome::kPassed, 20);
  advance(seconds(1));
  progress.tick();
  EXPECT_THAT(output(), Not(HasSubstr("\n")));
  EXPECT_THAT(output(), HasSubstr(fmt::format("{}1/100 1.0% | 18/h | ETA 5h 31m | passed 1 | "
                                              "w0 serde 1.0.200 (3m 21s)",
                                              kClear)));
}

TEST_F(ProgressTest, TerminalPrintsWhatDidNotPassAboveTheStatusLine) {
  Progress progress(options(true, 1, 10));
  progress.started(0, "serde", "1.0.200");
  advance(seconds(1));
  progress.finished(0, "serde", "1.0.200", Outcome::kOutOfMemory, 1);
  advance(seconds(1));
  progress.message(spdlog::level::warn, "disk almost full");

  EXPECT_EQ(masked(output()),
            "\r\x1b[K0/10 0.0% | --/h | ETA -- | w0 serde 1.0.200 (0s)"
            "\r\x1b[K<time> [info] serde 1.0.200: out of memory (1.0 s)\n"
            "\r\x1b[K1/10 10.0% | 3600/h | ETA 9s | oom 1"
            "\r\x1b[K<time> [warning] disk almost full\n"
            "\r\x1b[K1/10 10.0% | 1800/h | ETA 18s | oom 1");
}

TEST_F(ProgressTest, TerminalThrottlesRedraws) {
  Progress progress(options(true, 4, 1000));
  for (int i = 0; i < 50; ++i) {
    progress.started(i % 4, "serde", "1.0.200");
    progress.finished(i % 4, "serde", "1.0.200", Outcome::kPassed, 1);
    progress.tick();
    advance(milliseconds(2));
  }
  EXPECT_EQ(count(output(), kClear), 1u);

  advance(milliseconds(250));
  progress.tick();
  progress.tick();
  EXPECT_EQ(count(output(), kClear), 2u);
  EXPECT_THAT(output(), HasSubstr("50/1000"));
}

TEST_F(ProgressTest, TerminalStatusFitsTheWidth) {
  auto opts = options(true, 8, 100);
  opts.columns = 40;
  Progress progress(std::move(opts));
  for (size_t worker = 0; worker < 8; ++worker) progress.started(worker, "serde", "1.0.200");
  advance(seconds(1));
  progress.tick();
  advance(seconds(1));
  progress.message(spdlog::level::warn, "a warning longer than the forty columns of this terminal");

  const std::string text = output();
  const auto lines = status_lines(text);
  ASSERT_FALSE(lines.empty());
  for (const auto& line : lines) {
    EXPECT_EQ(line.size(), 39u) << line;
    EXPECT_THAT(line, StartsWith("0/100 0.0% | --/h | ETA -- | w0 serde"));
  }
  // Log lines are not cut.
  EXPECT_THAT(text, HasSubstr("longer than the forty columns of this terminal\n"));
}

TEST_F(ProgressTest, TerminalWidthFallsBackTo120) {
  auto opts = options(true, 20, 100);
  opts.columns = 0;  // a memstream is no terminal to ask
  Progress progress(std::move(opts));
  for (size_t worker = 0; worker < 20; ++worker) progress.started(worker, "serde", "1.0.200");
  advance(seconds(1));
  progress.tick();
  const auto lines = status_lines(output());
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().size(), 119u);
}

TEST_F(ProgressTest, FinishClearsTheStatusLine) {
  Progress progress(options(true, 1, 10));
  progress.started(0, "serde", "1.0.200");
  progress.finish();
  const std::string text = output();
  EXPECT_THAT(text, ::testing::EndsWith(kClear));

  advance(seconds(5));
  progress.tick();
  progress.finished(0, "serde", "1.0.200", Outcome::kTestFailed, 5);
  // Still logged, but no status line comes back.
  EXPECT_EQ(masked(output().substr(text.size())),
            "<time> [info] serde 1.0.200: test failed (5.0 s)\n");
}

TEST_F(ProgressTest, SummaryCountsAndListsTheSlowest) {
  Progress progress(options(false, 1, 8));
  const struct {
    const char* crate;
    Outcome outcome;
    double seconds;
  } runs[] = {
      {"a", Outcome::kPassed, 10},       {"b", Outcome::kPassed, 95.5},
      {"c", Outcome::kTestFailed, 20},   {"d", Outcome::kTimedOut, 3600},
      {"e", Outcome::kOutOfMemory, 300}, {"f", Outcome::kError, 1},
      {"g", Outcome::kBroken, 0.5},
  };
  for (const auto& run : runs) {
    progress.started(0, run.crate, "1.0.0");
    progress.finished(0, run.crate, "1.0.0", run.outcome, run.seconds);
  }
  progress.requeued(0, "h", "1.0.0", "gone");
  advance(seconds(2 * 3600 + 5 * 60));

  EXPECT_EQ(progress.summary(3),
            "Finished 7 of 8 crates in 2h 05m, 3.4/h\n"
            "  passed                      2\n"
            "  build failed                0\n"
            "  test failed                 1\n"
            "  UB                          0\n"
            "  timed out                   1\n"
            "  out of memory               1\n"
            "  broken (not tried)          1\n"
            "  error (ours)                1\n"
            "  requeued                    1\n"
            "Slowest crates:\n"
            "  d 1.0.0    3600.0 s  timed out\n"
            "  e 1.0.0     300.0 s  out of memory\n"
            "  b 1.0.0      95.5 s  passed\n");
}

TEST_F(ProgressTest, SummaryKeepsTheSlowestOfMany) {
  Progress progress(options(false, 1, 1000));
  for (int i = 0; i < 1000; ++i) {
    // Slowest in the middle, so neither the first nor the last kept wins.
    const double seconds = i == 500 ? 5000 : i == 200 ? 4000 : i % 97;
    progress.finished(0, fmt::format("crate{}", i), "1.0.0", Outcome::kPassed, seconds);
  }
  const std::string summary = progress.summary(2);
  EXPECT_THAT(summary, HasSubstr("Slowest crates:\n"
                                 "  crate500 1.0.0    5000.0 s  passed\n"
                                 "  crate200 1.0.0    4000.0 s  passed\n"));
  // At most a hundred are kept.
  EXPECT_EQ(count(progress.summary(150), "\n"), 11u + 100u);
}

TEST_F(ProgressTest, SummaryOfNothing) {
  Progress progress(options(false, 1, 0));
  EXPECT_EQ(progress.summary(),
            "Finished 0 of 0 crates in 0s, --/h\n"
            "  passed                      0\n"
            "  build failed                0\n"
            "  test failed                 0\n"
            "  UB                          0\n"
            "  timed out                   0\n"
            "  out of memory               0\n"
            "  broken (not tried)          0\n"
            "  error (ours)                0\n"
            "  requeued                    0\n");
}

}  // namespace
}  // namespace queue

namespace queue {
namespace {

TEST_F(ProgressTest, TheStatusLineShowsEachEngineWhenThereAreSeveral) {
  Progress progress(options(true, 3, 10));
  progress.set_engines({{.name = "local", .workers = 2, .busy = 2, .crates = 6},
                        {.name = "ssh://builder", .workers = 1, .busy = 0, .lost = true}});
  advance(seconds(3600));
  progress.tick();
  const auto lines = status_lines(output());
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines.back(), HasSubstr("local 2/2 6/h · ssh://builder 0/1 lost"));
  EXPECT_THAT(progress.summary(), HasSubstr("ssh://builder"));
}

TEST_F(ProgressTest, OneEngineThatAnswersIsNotShown) {
  Progress progress(options(true, 2, 10));
  progress.set_engines({{.name = "local", .workers = 2, .busy = 1, .crates = 1}});
  advance(seconds(10));
  progress.tick();
  const auto lines = status_lines(output());
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines.back(), Not(HasSubstr("local")));
  EXPECT_THAT(progress.summary(), Not(HasSubstr("Engines")));
}

}  // namespace
}  // namespace queue
