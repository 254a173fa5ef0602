#include "agent/job.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "agent/protocol.h"

namespace agent {
namespace {

using nlohmann::json;

Job miri_job() {
  return Job{
      .crate = "serde",
      .version = "1.0.200",
      .source = {.kind = Source::Kind::kArchive, .path = "/crates/serde-1.0.200.crate"},
      .toolchain = "nightly-2024-05-01",
      .commands = {{.argv = {"cargo", "miri", "setup"}, .show_output = false},
                   {.argv = {"cargo", "miri", "test", "--features=std", ""},
                    .timeout_seconds = 600,
                    .unless_available = "cargo-nextest"}},
      .env = {{"MIRIFLAGS", "-Zmiri-disable-isolation"}, {"EMPTY", ""}},
      .timeouts = {.wall_seconds = 900, .no_output_seconds = 300},
      .cargo_config =
          "[source.crates-io]\nreplace-with = \"local\"\n"
          "[source.local]\ndirectory = \"/usr/share/cargo/registry\"\n"
          "[net]\noffline = true\n",
  };
}

JobResult miri_result() {
  return JobResult{
      .commands = {{.exit_code = 0, .wall_seconds = 12.5}, {.signal = 9, .wall_seconds = 887.25}},
      .timed_out = Timeout::kWall,
      .oom_killed = false,
      .wall_seconds = 900.0,
      .peak_memory_bytes = uint64_t{5} << 32,
      .peak_memory_source = PeakMemorySource::kSampled,
      .peak_memory_sample_ms = 5,
  };
}

// The error parse_job gives after `change` is made to a good job's JSON.
std::string job_error(const std::function<void(json&)>& change) {
  json value = miri_job();
  change(value);
  try {
    parse_job(value.dump());
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "";
}

std::string result_error(const std::function<void(json&)>& change) {
  json value = miri_result();
  change(value);
  try {
    parse_job_result(value.dump());
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "";
}

TEST(Job, RoundTrips) {
  const Job job = miri_job();
  EXPECT_EQ(parse_job(to_payload(job)), job);
  EXPECT_EQ(json(job).get<Job>(), job);
  Job directory = job;
  directory.source = {.kind = Source::Kind::kDirectory, .path = "/build/serde"};
  EXPECT_EQ(parse_job(to_payload(directory)), directory);
  Job no_config = job;
  no_config.cargo_config.clear();
  EXPECT_EQ(parse_job(to_payload(no_config)), no_config);
  Job no_crate = job;
  no_crate.source = {.kind = Source::Kind::kNone};
  no_crate.commands[0].when_available = "cargo-miri";
  EXPECT_EQ(parse_job(to_payload(no_crate)), no_crate);
  Job inline_files = job;
  inline_files.source = {.kind = Source::Kind::kInline};
  EXPECT_EQ(parse_job(to_payload(inline_files)), inline_files);
  EXPECT_EQ(json::parse(to_payload(inline_files))["source"],
            json::parse(R"({"kind":"inline","path":""})"));
}

TEST(Job, HasTheDocumentedShape) {
  const json value = json::parse(to_payload(miri_job()));
  EXPECT_EQ(value["source"],
            json::parse(R"({"kind":"archive","path":"/crates/serde-1.0.200.crate"})"));
  EXPECT_EQ(value["commands"][0],
            json::parse(R"({"argv":["cargo","miri","setup"],"show_output":false,"timeout_seconds":0,
                      "when_available":"","unless_available":""})"));
  EXPECT_EQ(value["commands"][1]["unless_available"], "cargo-nextest");
  EXPECT_EQ(value["timeouts"], json::parse(R"({"wall_seconds":900,"no_output_seconds":300})"));
  EXPECT_EQ(value["cargo_config"], miri_job().cargo_config);
}

TEST(Job, ErrorsNameTheField) {
  EXPECT_EQ(job_error([](json& j) { j.erase("crate"); }), "job.crate: missing");
  EXPECT_EQ(job_error([](json& j) { j["crate"] = ""; }), "job.crate: must not be empty");
  EXPECT_EQ(job_error([](json& j) { j["extra"] = 1; }), "job.extra: unknown field");
  EXPECT_EQ(job_error([](json& j) { j["commands"][1]["argv"][2] = 3; }),
            "job.commands[1].argv[2]: expected a string");
  EXPECT_EQ(job_error([](json& j) { j["commands"][0]["argv"] = json::array(); }),
            "job.commands[0].argv: expected a non-empty array");
  EXPECT_EQ(job_error([](json& j) { j["commands"][0]["argv"][0] = ""; }),
            "job.commands[0].argv[0]: must not be empty");
  EXPECT_EQ(job_error([](json& j) { j["commands"][0]["argv"][1] = std::string("a\0b", 3); }),
            "job.commands[0].argv[1]: contains a NUL byte");
  EXPECT_EQ(job_error([](json& j) { j["commands"][0]["show_output"] = "yes"; }),
            "job.commands[0].show_output: expected true or false");
  EXPECT_EQ(job_error([](json& j) { j["commands"][1]["timeout_seconds"] = "1h"; }),
            "job.commands[1].timeout_seconds: expected a non-negative integer");
  EXPECT_EQ(job_error([](json& j) { j["commands"][1].erase("timeout_seconds"); }),
            "job.commands[1].timeout_seconds: missing");
  EXPECT_EQ(job_error([](json& j) { j["commands"] = json::array(); }),
            "job.commands: expected a non-empty array");
  EXPECT_EQ(job_error([](json& j) { j["source"]["kind"] = "git"; }),
            "job.source.kind: expected \"directory\", \"archive\", \"none\" or \"inline\", "
            "not \"git\"");
  EXPECT_EQ(job_error([](json& j) {
              j["source"] = {{"kind", "inline"}, {"path", "/crates/x"}};
            }),
            "job.source.path: must be empty for \"inline\"");
  EXPECT_EQ(job_error([](json& j) {
              j["source"] = {{"kind", "none"}, {"path", "/x"}};
            }),
            "job.source.path: must be empty for \"none\"");
  EXPECT_EQ(job_error([](json& j) {
              j["source"] = {{"kind", "archive"}, {"path", ""}};
            }),
            "job.source.path: must not be empty");
  EXPECT_EQ(job_error([](json& j) { j["commands"][0]["when_available"] = "/bin/sh"; }),
            "job.commands[0].when_available: must be a program's name");
  EXPECT_EQ(job_error([](json& j) { j["commands"][0].erase("unless_available"); }),
            "job.commands[0].unless_available: missing");
  EXPECT_EQ(job_error([](json& j) { j["source"]["path"] = "crates/x.crate"; }),
            "job.source.path: must be an absolute path");
  EXPECT_EQ(job_error([](json& j) { j["env"]["A=B"] = "c"; }),
            "job.env: \"A=B\" cannot be an environment variable's name");
  EXPECT_EQ(job_error([](json& j) { j["env"]["RUSTFLAGS"] = 1; }),
            "job.env.RUSTFLAGS: expected a string");
  EXPECT_EQ(job_error([](json& j) { j["timeouts"]["wall_seconds"] = 0; }),
            "job.timeouts.wall_seconds: must be from 1 to 4294967295");
  EXPECT_EQ(job_error([](json& j) { j["timeouts"]["no_output_seconds"] = -5; }),
            "job.timeouts.no_output_seconds: expected a non-negative integer");
  EXPECT_EQ(job_error([](json& j) { j["timeouts"]["wall_seconds"] = 1.5; }),
            "job.timeouts.wall_seconds: expected a non-negative integer");
  EXPECT_EQ(job_error([](json& j) { j.erase("cargo_config"); }), "job.cargo_config: missing");
  EXPECT_EQ(job_error([](json& j) { j["cargo_config"] = nullptr; }),
            "job.cargo_config: expected a string");
  EXPECT_EQ(job_error([](json& j) { j["cargo_config"] = json::object(); }),
            "job.cargo_config: expected a string");
  EXPECT_EQ(job_error([](json& j) { j["cargo_config"] = std::string("a\0b", 3); }),
            "job.cargo_config: contains a NUL byte");
  EXPECT_EQ(job_error([](json& j) { j = json::array(); }), "job: expected an object");
}

TEST(Job, RejectsTextThatIsNotJson) {
  EXPECT_THROW(parse_job("{\"crate\":"), ProtocolError);
  EXPECT_THROW(parse_job(""), ProtocolError);
  EXPECT_THROW(parse_job_result("\xff"), ProtocolError);
}

TEST(Job, RefusesToSendStringsThatAreNotUtf8) {
  Job job = miri_job();
  job.env["BAD"] = "\xff";
  EXPECT_THROW(to_payload(job), ProtocolError);
}

TEST(JobResult, RoundTrips) {
  const JobResult result = miri_result();
  EXPECT_EQ(parse_job_result(to_payload(result)), result);
  JobResult quiet;
  EXPECT_EQ(parse_job_result(to_payload(quiet)), quiet);
  quiet.timed_out = Timeout::kNoOutput;
  quiet.oom_killed = true;
  EXPECT_EQ(parse_job_result(to_payload(quiet)), quiet);
  for (const PeakMemorySource source :
       {PeakMemorySource::kCgroupPeak, PeakMemorySource::kCgroupMaxUsage,
        PeakMemorySource::kCgroupLifetimePeak, PeakMemorySource::kRusage}) {
    quiet.peak_memory_source = source;
    EXPECT_EQ(parse_job_result(to_payload(quiet)), quiet);
  }
}

TEST(JobResult, StoredBeforeThePeakSourceStillReads) {
  json value = miri_result();
  value.erase("peak_memory_source");
  value.erase("peak_memory_sample_ms");
  const JobResult old = parse_job_result(value.dump());
  EXPECT_EQ(old.peak_memory_bytes, uint64_t{5} << 32);
  EXPECT_EQ(old.peak_memory_source, PeakMemorySource::kUnknown);
  EXPECT_EQ(old.peak_memory_sample_ms, 0U);
}

TEST(JobResult, HasTheDocumentedShape) {
  const json value = json::parse(to_payload(miri_result()));
  EXPECT_EQ(value["timed_out"], "wall");
  EXPECT_EQ(value["commands"][1],
            json::parse(R"({"exit_code":null,"signal":9,"wall_seconds":887.25})"));
  EXPECT_EQ(value["peak_memory_source"], "sampled");
  EXPECT_EQ(value["peak_memory_sample_ms"], 5);
  EXPECT_EQ(json::parse(to_payload(JobResult{}))["timed_out"], nullptr);
  EXPECT_EQ(json::parse(to_payload(JobResult{}))["peak_memory_source"], nullptr);
}

TEST(JobResult, ErrorsNameTheField) {
  EXPECT_EQ(result_error([](json& j) { j["commands"][0]["signal"] = 6; }),
            "result.commands[0]: needs exactly one of exit_code and signal");
  EXPECT_EQ(result_error([](json& j) { j["commands"][1]["signal"] = nullptr; }),
            "result.commands[1]: needs exactly one of exit_code and signal");
  EXPECT_EQ(result_error([](json& j) { j["commands"][0]["exit_code"] = 256; }),
            "result.commands[0].exit_code: must be from 0 to 255");
  EXPECT_EQ(result_error([](json& j) { j["commands"][1]["signal"] = 0; }),
            "result.commands[1].signal: must be from 1 to 64");
  EXPECT_EQ(result_error([](json& j) { j["timed_out"] = "cpu"; }),
            "result.timed_out: expected null, \"wall\" or \"no-output\", not \"cpu\"");
  EXPECT_EQ(result_error([](json& j) { j["wall_seconds"] = -1; }),
            "result.wall_seconds: must be a non-negative number");
  EXPECT_EQ(result_error([](json& j) { j["oom_killed"] = 0; }),
            "result.oom_killed: expected true or false");
  EXPECT_EQ(result_error([](json& j) { j.erase("peak_memory_bytes"); }),
            "result.peak_memory_bytes: missing");
  EXPECT_EQ(result_error([](json& j) { j["peak_memory_source"] = "guessed"; }),
            "result.peak_memory_source: unknown source \"guessed\"");
  EXPECT_EQ(result_error([](json& j) { j["peak_memory_sample_ms"] = -5; }),
            "result.peak_memory_sample_ms: expected a non-negative integer");
}

}  // namespace
}  // namespace agent
