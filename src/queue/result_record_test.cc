#include "queue/result_record.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace queue {
namespace {

ResultRecord record() {
  return ResultRecord{
      .tool = "check",
      .toolchain = "stable",
      .crate = "serde",
      .version = "1.0.0+build.1",
      .outcome = Outcome::kTimedOut,
      .started = std::chrono::system_clock::from_time_t(1796000000),
      .wall_seconds = 3600.5,
      .peak_memory_bytes = 123456789,
      .job = agent::JobResult{.commands = {{.exit_code = 0, .wall_seconds = 10},
                                           {.signal = 9, .wall_seconds = 3590}},
                              .timed_out = agent::Timeout::kWall,
                              .wall_seconds = 3600.4,
                              .peak_memory_bytes = 123456789},
      .attempts = 2,
      .log_bytes = 4096,
  };
}

TEST(ResultRecord, RoundTrips) {
  const ResultRecord original = record();
  const ResultRecord back = parse_result_record(to_json(original));
  EXPECT_EQ(back.tool, original.tool);
  EXPECT_EQ(back.crate, original.crate);
  EXPECT_EQ(back.version, original.version);
  EXPECT_EQ(back.outcome, Outcome::kTimedOut);
  EXPECT_EQ(back.started, original.started);
  EXPECT_EQ(back.wall_seconds, original.wall_seconds);
  EXPECT_EQ(back.job, original.job);
  EXPECT_EQ(back.attempts, 2u);
  EXPECT_EQ(back.log_bytes, 4096u);
}

TEST(ResultRecord, IsReadableJson) {
  const nlohmann::json json = nlohmann::json::parse(to_json(record()));
  EXPECT_EQ(json["outcome"], "timed-out");
  EXPECT_EQ(json["started"], "2026-11-30T00:53:20Z");
  EXPECT_EQ(json["job"]["timed_out"], "wall");
  EXPECT_TRUE(json["error"].is_null());
  EXPECT_TRUE(json["diagnosis"].is_null());
}

TEST(ResultRecord, AnErrorHasNoJob) {
  ResultRecord error = record();
  error.outcome = Outcome::kError;
  error.error = "worker died 2 times: exit status 137";
  error.job.reset();
  const ResultRecord back = parse_result_record(to_json(error));
  EXPECT_EQ(back.error, error.error);
  EXPECT_FALSE(back.job);
}

TEST(ResultRecord, BadRecordsAreErrors) {
  EXPECT_THROW(parse_result_record("{"), std::runtime_error);
  std::string text = to_json(record());
  text.replace(text.find("timed-out"), 9, "exploded!");
  EXPECT_THROW(parse_result_record(text), std::runtime_error);
}

TEST(Classify, FromTheAgentsResult) {
  EXPECT_EQ(classify({.commands = {{.exit_code = 0}, {.exit_code = 0}}}), Outcome::kPassed);
  EXPECT_EQ(classify({.commands = {{.exit_code = 0}, {.exit_code = 101}}}), Outcome::kFailed);
  EXPECT_EQ(classify({.commands = {{.signal = 11}}}), Outcome::kFailed);
  EXPECT_EQ(classify({.commands = {{.signal = 9}}, .timed_out = agent::Timeout::kNoOutput}),
            Outcome::kTimedOut);
  EXPECT_EQ(classify({.commands = {{.exit_code = 101}}, .oom_killed = true}),
            Outcome::kOutOfMemory);
}

TEST(Keys, FollowTheStoreLayout) {
  EXPECT_EQ(raw_key("miri", "serde", "1.0.0"), "miri/raw/serde/1.0.0");
  EXPECT_EQ(log_key("miri", "serde", "1.0.0"), "miri/logs/serde/1.0.0");
  EXPECT_EQ(result_key("miri", "serde", "1.0.0"), "miri/results/serde/1.0.0.json");
}

}  // namespace
}  // namespace queue
