// `report_fixture DIR [TOOL]`: a small store for the browser tests and for
// trying the site by hand: a few crates of TOOL (default miri) with raw
// logs, their pages (render::Page), result records, the site and its
// archives. One crate has a hostile name, one a long log whose finding is
// far down, one a version with build metadata, one could not be tried.
//
// `report_fixture --synthetic N DIR [TOOL]`: the site alone (no logs, no
// records) of N synthetic crates of TOOL (default big), for measuring the
// pages at the scale of crates.io.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "render/page.h"
#include "report/archives.h"
#include "report/escape.h"
#include "report/site.h"
#include "store/store.h"

namespace {

constexpr std::string_view kBold = "\x1b[1m", kGreen = "\x1b[32m", kRed = "\x1b[31m",
                           kBlue = "\x1b[34m", kReset = "\x1b[0m";

struct FixtureCrate {
  report::CrateEntry entry;
  std::string raw;
};

std::string compiling(std::string_view crate, std::string_view version, int dependencies) {
  std::string raw;
  for (int i = 0; i < dependencies; ++i) {
    raw += std::string(kBold) + std::string(kGreen) + "   Compiling" + std::string(kReset) +
           " dep-" + std::to_string(i) + " v0." + std::to_string(i % 7) + ".0\r\n";
  }
  raw += std::string(kBold) + std::string(kGreen) + "   Compiling" + std::string(kReset) + " " +
         std::string(crate) + " v" + std::string(version) + "\r\n";
  raw += std::string(kBold) + std::string(kGreen) + "    Finished" + std::string(kReset) +
         " test [unoptimized + debuginfo] target(s) in 4.20s\r\n";
  return raw;
}

std::string tests(int count, std::string_view result) {
  std::string raw = "\r\nrunning " + std::to_string(count) + " tests\r\n";
  for (int i = 0; i < count; ++i) {
    raw += "test tests::case_" + std::to_string(i) + " ... " + std::string(result) + "\r\n";
  }
  return raw;
}

std::string miri_ub(std::string_view what, std::string_view file) {
  return std::string(kBold) + std::string(kRed) + "error" + std::string(kReset) +
         std::string(kBold) + ": Undefined Behavior: " + std::string(what) + std::string(kReset) +
         "\r\n  " + std::string(kBlue) + "-->" + std::string(kReset) + " " + std::string(file) +
         ":12:5\r\n   |\r\n12 |     *ptr\r\n   |     ^^^^ " + std::string(what) +
         "\r\n   |\r\n   = help: this indicates a bug in the program: it performed an invalid "
         "operation, and caused Undefined Behavior\r\n\r\nerror: aborting due to 1 previous "
         "error\r\n";
}

report::CrateEntry entry(std::string crate, std::string version, std::string outcome,
                         uint64_t downloads, double seconds, uint64_t memory,
                         std::vector<report::Finding> findings = {}) {
  return {std::move(crate),
          std::move(version),
          std::move(outcome),
          std::move(findings),
          downloads,
          seconds,
          memory};
}

/// The facts every fixture crate's record has, as sync would read them.
void add_run_facts(std::vector<FixtureCrate>& crates) {
  int minute = 0;
  for (FixtureCrate& crate : crates) {
    report::CrateEntry& e = crate.entry;
    e.toolchain = "nightly-2024-05-01";
    e.toolchain_version = "rustc 1.80.0-nightly (c987ad527 2024-05-01)";
    e.flags = "MIRIFLAGS=-Zmiri-strict-provenance";
    e.registry = "https://index.crates.io/";
    e.engine = "unix:///var/run/docker.sock";
    char started[32];
    std::snprintf(started, sizeof started, "2024-05-02T%02d:%02d:00Z", 8 + minute / 60,
                  minute % 60);
    e.started = started;
    minute += 7;
  }
}

std::vector<FixtureCrate> fixture_crates() {
  constexpr uint64_t kMiB = 1 << 20;
  std::vector<FixtureCrate> crates;
  auto add = [&](report::CrateEntry e, std::string raw) {
    crates.push_back({std::move(e), std::move(raw)});
  };
  add(entry("smallvec", "1.11.0", "ub", 250'000'000, 95.2, 1200 * kMiB,
            {{"Stacked Borrows", "smallvec", false}}),
      compiling("smallvec", "1.11.0", 3) + tests(12, "ok") +
          miri_ub("attempting a read access using <2849> at alloc1032[0x0], but that tag does "
                  "not exist in the borrow stack for this location",
                  "src/lib.rs"));
  add(entry("smallvec", "1.10.0", "passed", 250'000'000, 80, 1100 * kMiB),
      compiling("smallvec", "1.10.0", 3) + tests(12, "ok"));
  // The newest version passed: bytes is not among the findings.
  add(entry("bytes", "1.4.0", "ub", 180'000'000, 40, 600 * kMiB, {{"data race", "bytes", false}}),
      compiling("bytes", "1.4.0", 2) + miri_ub("Data race detected", "src/bytes.rs"));
  add(entry("bytes", "1.5.0", "passed", 180'000'000, 42, 610 * kMiB),
      compiling("bytes", "1.5.0", 2) + tests(40, "ok"));
  add(entry("long-log", "0.3.0", "ub", 1'200, 610, 300 * kMiB,
            {{"dangling pointer", "helper-dep", true}, {"Stacked Borrows", "long-log", false}}),
      compiling("long-log", "0.3.0", 60) + tests(3000, "ok") +
          miri_ub("memory access failed: alloc77 has been freed, so this pointer is dangling",
                  "helper-dep/src/lib.rs"));
  add(entry("slow-crate", "2.0.0", "timed-out", 50'000, 3600, 250 * kMiB),
      compiling("slow-crate", "2.0.0", 5) + "\r\nrunning 1 test\r\ntest slow ... ");
  add(entry("hungry", "0.1.0", "oom", 9'000, 200, kMiB * 8 * 1024 + 12 * kMiB),
      compiling("hungry", "0.1.0", 1) + "\r\nrunning 1 test\r\nKilled\r\n");
  add(entry("broken", "0.0.1", "build-failed", 10, 12, 90 * kMiB),
      std::string(kBold) + std::string(kRed) + "error[E0425]" + std::string(kReset) +
          ": cannot find value `x` in this scope\r\n");
  add(entry("tests-fail", "3.1.4", "test-failed", 77'000, 30, 120 * kMiB),
      compiling("tests-fail", "3.1.4", 2) + tests(3, "FAILED"));
  add(entry("meta", "1.0.0+build.5", "passed", 400, 8, 60 * kMiB),
      compiling("meta", "1.0.0+build.5", 1) + tests(2, "ok"));
  add(entry("meta", "0.9.0", "passed", 400, 8, 60 * kMiB),
      compiling("meta", "0.9.0", 1) + tests(2, "ok"));
  // Never a crates.io name; here so that escaping is tested end to end.
  add(entry("x\"'<img src=x onerror=alert(1)>", "1.0.0", "ub", 5, 3, 10 * kMiB,
            {{"<b>bold</b>", "</script><script>alert(2)</script>", false}}),
      miri_ub("<script>alert(3)</script>", "src/lib.rs"));
  add(entry("no-deps", "0.2.0", "broken", 3'000, 0.4, 0),
      std::string(kBold) + std::string(kRed) + "error" + std::string(kReset) +
          ": no matching package named `gone` found\r\nlocation searched: crates.io index\r\n");
  crates.back().entry.reason = "no matching package named `gone` found";
  add_run_facts(crates);
  return crates;
}

/// The result record, in the shape of result::to_json, with the facts that
/// give the fixture's outcome once sync diagnoses its log, plus the fields
/// newer records carry (toolchain_version, env, registry, engine).
std::string result_record(std::string_view tool, const report::CrateEntry& e, uint64_t log_bytes) {
  using report::json_string;
  std::string exit_code = "101";
  std::string timed_out = "null";
  std::string oom = "false";
  std::string error = "null";
  std::string broken = "null";
  if (e.outcome == "passed") exit_code = "0";
  if (e.outcome == "timed-out") timed_out = "\"wall\"";
  if (e.outcome == "oom") oom = "true";
  if (e.outcome == "error") error = "\"worker died 2 times\"";
  if (e.outcome == "broken") {
    broken = "{\"kind\": \"missing-dependency\", \"detail\": " +
             json_string(e.reason.empty() ? "no matching package" : e.reason) + "}";
  }
  const bool no_job = e.outcome == "error" || e.outcome == "broken";
  std::string causes = "[";
  for (const report::Finding& f : e.findings) {
    if (causes.size() > 1) causes += ",";
    causes += "{\"kind\":" + json_string(f.kind) +
              ",\"tool\":\"miri\",\"source_crate\":" + json_string(f.source_crate) +
              ",\"possible_false_positive\":" + (f.possible_false_positive ? "true" : "false") +
              ",\"excerpt\":\"\"}";
  }
  causes += "]";
  const std::string job = "{\"commands\": [{\"exit_code\": " + exit_code +
                          ", \"signal\": null, \"wall_seconds\": 1}], \"timed_out\": " + timed_out +
                          ", \"oom_killed\": " + oom +
                          ", \"wall_seconds\": 1, \"peak_memory_bytes\": 0}";
  std::string record =
      "{\n  \"schema\": 2,\n  \"tool\": " + json_string(tool) +
      ",\n  \"toolchain\": " + json_string(e.toolchain) +
      ",\n  \"crate\": " + json_string(e.crate) + ",\n  \"version\": " + json_string(e.version) +
      ",\n  \"outcome\": " + json_string(e.outcome) + ",\n  \"causes\": " + causes +
      ",\n  \"spurious\": [],\n  \"diagnosis_version\": 0" + ",\n  \"error\": " + error +
      ",\n  \"broken\": " + broken + ",\n  \"started\": " + json_string(e.started) +
      ",\n  \"wall_seconds\": " + std::to_string(e.wall_seconds) +
      ",\n  \"peak_memory_bytes\": " + std::to_string(e.peak_memory_bytes) +
      ",\n  \"attempts\": 1,\n  \"log_bytes\": " + std::to_string(log_bytes) +
      ",\n  \"job\": " + (no_job ? std::string("null") : job);
  if (!e.toolchain_version.empty()) {
    record += ",\n  \"toolchain_version\": " + json_string(e.toolchain_version);
  }
  if (!e.registry.empty()) record += ",\n  \"registry\": " + json_string(e.registry);
  if (!e.engine.empty()) record += ",\n  \"engine\": " + json_string(e.engine);
  record += ",\n  \"env\": {\"MIRIFLAGS\": \"-Zmiri-strict-provenance\"}\n}\n";
  return record;
}

void write_fixture(store::Store& store, std::string_view tool) {
  const std::string root(tool);
  std::vector<report::CrateEntry> entries;
  for (FixtureCrate& crate : fixture_crates()) {
    const report::CrateEntry& e = crate.entry;
    const std::string name = e.crate + "/" + e.version;
    store.put(root + "/raw/" + name, crate.raw, "text/plain; charset=utf-8");
    const auto page_writer = store.open_writer(root + "/logs/" + name, report::kHtmlContentType);
    render::Page page(e.crate + " " + e.version,
                      [&](std::string_view html) { page_writer->write(html); });
    page.feed(crate.raw);
    page.finish();
    page_writer->commit();
    store.put(root + "/results/" + name + ".json", result_record(tool, e, crate.raw.size()),
              "application/json");
    entries.push_back(std::move(crate.entry));
  }
  report::write_archives(store, tool);
  report::write_site(store, tool, entries);
}

/// N crates with a spread of outcomes, causes and costs, the most
/// downloaded first as on crates.io; only their site is written.
void write_synthetic(store::Store& store, std::string_view tool, size_t count) {
  static constexpr std::pair<std::string_view, int> kShare[] = {
      {"passed", 70},   {"build-failed", 10}, {"test-failed", 8}, {"ub", 3},
      {"timed-out", 3}, {"oom", 1},           {"broken", 3},      {"error", 2}};
  static constexpr std::string_view kKinds[] = {"Stacked Borrows",      "Tree Borrows",
                                                "dangling pointer",     "data race",
                                                "uninitialized memory", "misaligned pointer"};
  std::vector<report::CrateEntry> entries(count);
  uint64_t state = 0x9e3779b97f4a7c15;
  auto next = [&state] {  // xorshift64: the same store every time
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (size_t i = 0; i < count; ++i) {
    report::CrateEntry& e = entries[i];
    e.crate = "crate-" + std::to_string(i);
    e.version = std::to_string(i % 3) + "." + std::to_string(i % 17) + ".0";
    int pick = static_cast<int>(next() % 100);
    for (const auto& [outcome, share] : kShare) {
      if (pick < share) {
        e.outcome = outcome;
        break;
      }
      pick -= share;
    }
    e.downloads = (count - i) * 1000 + next() % 1000;
    e.wall_seconds = static_cast<double>(next() % 6000) / 10;
    e.peak_memory_bytes = (next() % 4096 + 16) << 20;
    if (e.outcome == "ub") {
      e.findings.push_back({std::string(kKinds[next() % 6]), e.crate, false});
      if (next() % 4 == 0) e.findings.push_back({std::string(kKinds[next() % 6]), "libc", true});
    }
    if (e.outcome == "broken")
      e.reason = "no matching package named `dep-" + std::to_string(i % 97) + "` found";
    e.toolchain = "nightly-2024-05-01";
    e.started = "2024-05-02T08:00:00Z";
  }
  report::write_site(store, tool, entries);
}

}  // namespace

int main(int argc, char** argv) {
  const bool synthetic = argc >= 2 && std::strcmp(argv[1], "--synthetic") == 0;
  const int first = synthetic ? 3 : 1;
  if (argc < first + 1 || argc > first + 2) {
    std::fprintf(stderr,
                 "usage: report_fixture DIR [TOOL]\n"
                 "       report_fixture --synthetic N DIR [TOOL]\n");
    return 2;
  }
  try {
    const auto store = store::open_store(argv[first]);
    if (synthetic) {
      const auto start = std::chrono::steady_clock::now();
      const size_t count = std::stoul(argv[2]);
      write_synthetic(*store, argc == first + 2 ? argv[first + 1] : "big", count);
      std::fprintf(stderr, "report_fixture: the site of %zu synthetic crates in %.1f s\n", count,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    } else {
      write_fixture(*store, argc == first + 2 ? argv[first + 1] : "miri");
    }
    std::printf("%s\n", store->url().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "report_fixture: %s\n", e.what());
    return 1;
  }
}
