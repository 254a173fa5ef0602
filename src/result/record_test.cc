#include "result/record.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace result {
namespace {

Record record() {
  return Record{
      .tool = "check",
      .toolchain = "stable",
      .crate = "serde",
      .version = "1.0.0+build.1",
      .job = agent::JobResult{.commands = {{.exit_code = 0, .wall_seconds = 10},
                                           {.signal = 9, .wall_seconds = 3590}},
                              .timed_out = agent::Timeout::kWall,
                              .wall_seconds = 3600.4,
                              .peak_memory_bytes = 123456789},
      .started = std::chrono::system_clock::from_time_t(1796000000),
      .wall_seconds = 3600.5,
      .peak_memory_bytes = 123456789,
      .attempts = 2,
      .log_bytes = 4096,
      .outcome = Outcome::kTimedOut,
      .diagnosis_version = 3,
  };
}

TEST(Record, RoundTrips) {
  Record original = record();
  original.causes.push_back({.kind = "data race", .tool = "miri", .source_crate = "serde"});
  original.spurious.emplace_back("network access");
  const Record back = parse_record(to_json(original));
  EXPECT_EQ(back.tool, original.tool);
  EXPECT_EQ(back.crate, original.crate);
  EXPECT_EQ(back.version, original.version);
  EXPECT_EQ(back.outcome, Outcome::kTimedOut);
  EXPECT_EQ(back.started, original.started);
  EXPECT_EQ(back.wall_seconds, original.wall_seconds);
  EXPECT_EQ(back.job, original.job);
  EXPECT_EQ(back.attempts, 2u);
  EXPECT_EQ(back.log_bytes, 4096u);
  EXPECT_EQ(back.causes, original.causes);
  EXPECT_EQ(back.spurious, original.spurious);
  EXPECT_EQ(back.diagnosis_version, 3);
  EXPECT_FALSE(back.upgraded);
}

TEST(Record, KeepsWhatTheRunRanWith) {
  Record original = record();
  original.tool = "miri-before";
  original.identity = {.tool = "miri",
                       .toolchain_version = "1.95.0-nightly",
                       .toolchain_commit = "f2d3ce0bd0d7d0a1",
                       .flags = {{"MIRIFLAGS", "-Zmiri-strict-provenance"}},
                       .registry = "sparse+https://mirror.example/index/"};
  const Record back = parse_record(to_json(original));
  EXPECT_EQ(nlohmann::json::parse(to_json(original))["registry"],
            "sparse+https://mirror.example/index/");
  EXPECT_EQ(back.tool, "miri-before");
  EXPECT_EQ(back.identity, original.identity);

  // A record stored before runs said what they ran with still reads.
  nlohmann::json older = nlohmann::json::parse(to_json(record()));
  EXPECT_FALSE(older.contains("tool_name"));
  EXPECT_FALSE(older.contains("flags"));
  const Record read = parse_record(older.dump());
  EXPECT_EQ(read.identity, RunIdentity{});
}

TEST(Record, NamesTheEngineItRanOn) {
  Record original = record();
  original.engine = "ssh://builder.example";
  EXPECT_EQ(nlohmann::json::parse(to_json(original))["engine"], "ssh://builder.example");
  EXPECT_EQ(parse_record(to_json(original)).engine, "ssh://builder.example");
  // Crates that never reached a worker, and records from before, have none.
  EXPECT_FALSE(nlohmann::json::parse(to_json(record())).contains("engine"));
  EXPECT_EQ(parse_record(to_json(record())).engine, "");
}

TEST(Record, HasOneOutcomeField) {
  const nlohmann::json json = nlohmann::json::parse(to_json(record()));
  EXPECT_EQ(json["schema"], 2);
  EXPECT_EQ(json["outcome"], "timed-out");
  EXPECT_FALSE(json.contains("diagnosis"));
  EXPECT_EQ(json["started"], "2026-11-30T00:53:20Z");
  EXPECT_EQ(json["job"]["timed_out"], "wall");
  EXPECT_TRUE(json["error"].is_null());
  EXPECT_TRUE(json["broken"].is_null());
}

TEST(Record, ABrokenCrateKeepsItsReason) {
  Record broken = record();
  broken.job.reset();
  broken.outcome = Outcome::kBroken;
  broken.broken = Broken{"missing-dependency", "no matching package named `criterion` found"};
  const Record back = parse_record(to_json(broken));
  EXPECT_EQ(back.outcome, Outcome::kBroken);
  EXPECT_EQ(back.broken, broken.broken);
  EXPECT_EQ(back.reason(), "no matching package named `criterion` found");
  EXPECT_TRUE(back.facts().broken);
  EXPECT_FALSE(back.facts().passed);
}

TEST(Record, AnErrorHasNoJob) {
  Record error = record();
  error.outcome = Outcome::kError;
  error.error = "worker died 2 times: exit status 137";
  error.job.reset();
  const Record back = parse_record(to_json(error));
  EXPECT_EQ(back.error, error.error);
  EXPECT_EQ(back.reason(), error.error);
  EXPECT_FALSE(back.job);
  EXPECT_TRUE(back.facts().infrastructure_error);
}

TEST(Record, FactsComeFromTheAgentsResult) {
  Record r = record();
  r.job = agent::JobResult{.commands = {{.exit_code = 0}, {.exit_code = 0}}};
  EXPECT_TRUE(r.facts().passed);
  r.job = agent::JobResult{.commands = {{.exit_code = 0}, {.exit_code = 101}}};
  EXPECT_FALSE(r.facts().passed);
  r.job = agent::JobResult{.commands = {{.signal = 11}}};
  EXPECT_FALSE(r.facts().passed);
  r.job = agent::JobResult{.commands = {{.signal = 9}}, .timed_out = agent::Timeout::kNoOutput};
  EXPECT_TRUE(r.facts().timed_out);
  r.job = agent::JobResult{.commands = {{.exit_code = 101}}, .oom_killed = true};
  EXPECT_TRUE(r.facts().oom_killed);
}

TEST(Record, BadRecordsAreErrors) {
  EXPECT_THROW(parse_record("{"), std::runtime_error);
  std::string text = to_json(record());
  text.replace(text.find("timed-out"), 9, "exploded!");
  EXPECT_THROW(parse_record(text), std::runtime_error);
}

/// A record as the first shape stored it: "outcome" from the exit statuses,
/// and a diagnosis with an outcome of its own.
std::string first_shape(std::string_view outcome, std::string_view diagnosis) {
  return R"({"tool": "check", "toolchain": "stable", "crate": "bumpalo", "version": "3.12.0",
  "outcome": ")" +
         std::string(outcome) +
         R"(", "error": null, "started": "2026-11-30T00:53:20Z",
  "wall_seconds": 2.5, "peak_memory_bytes": 1000, "attempts": 1, "log_bytes": 10,
  "renderer_version": 1, "diagnosis": )" +
         std::string(diagnosis) + R"(, "diagnosis_version": 1,
  "job": {"commands": [{"exit_code": 101, "signal": null, "wall_seconds": 2.0}],
          "timed_out": null, "oom_killed": false, "wall_seconds": 2.4, "peak_memory_bytes": 1000}})";
}

TEST(Record, TheFirstShapeIsUpgraded) {
  const Record old = parse_record(first_shape(
      "failed",
      R"({"version": 1, "outcome": "test-failed", "causes": [], "spurious": ["network access"]})"));
  EXPECT_TRUE(old.upgraded);
  EXPECT_EQ(old.outcome, Outcome::kTestFailed);  // the diagnosis's, not "failed"
  EXPECT_EQ(old.spurious, std::vector<std::string>{"network access"});
  EXPECT_EQ(old.diagnosis_version, 1);
  // Stored again, it has one outcome and reads back without upgrading.
  const Record again = parse_record(to_json(old));
  EXPECT_FALSE(again.upgraded);
  EXPECT_EQ(again.outcome, Outcome::kTestFailed);
}

TEST(Record, AFirstShapeRecordWithoutDiagnosisIsDiagnosedAgain) {
  const Record old = parse_record(first_shape("out-of-memory", "null"));
  EXPECT_TRUE(old.upgraded);
  EXPECT_EQ(old.diagnosis_version, 0);
  EXPECT_EQ(old.outcome, Outcome::kBuildFailed);  // what the facts say until then
  EXPECT_THROW(parse_record(first_shape("exploded", "null")), std::runtime_error);
}

TEST(Keys, FollowTheStoreLayout) {
  EXPECT_EQ(raw_key("miri", "serde", "1.0.0"), "miri/raw/serde/1.0.0");
  EXPECT_EQ(log_key("miri", "serde", "1.0.0"), "miri/logs/serde/1.0.0");
  EXPECT_EQ(result_key("miri", "serde", "1.0.0"), "miri/results/serde/1.0.0.json");
  EXPECT_EQ(log_title("miri", "serde", "1.0.0"), "serde 1.0.0: miri");
}

TEST(Outcome, OneVocabulary) {
  for (const Outcome outcome : kOutcomes) {
    EXPECT_EQ(outcome_from_name(outcome_name(outcome)), outcome);
    EXPECT_FALSE(outcome_label(outcome).empty());
  }
  EXPECT_EQ(outcome_name(Outcome::kOutOfMemory), "oom");
  EXPECT_FALSE(outcome_from_name("out-of-memory"));
  EXPECT_FALSE(outcome_from_name("failed"));
  EXPECT_TRUE(is_failure(Outcome::kUndefinedBehavior));
  EXPECT_FALSE(is_failure(Outcome::kBroken));
  EXPECT_FALSE(is_failure(Outcome::kError));
}

}  // namespace
}  // namespace result
