// `compare_fixture DIR`: two runs, "before" and "after", of a few crates
// (raw logs, their pages, records) and their comparison, for the browser
// tests (tests/browser) and for trying the pages by hand. One crate's logs
// part far down, to see the side-by-side page scroll to it.

#include <cstdio>
#include <exception>
#include <string>

#include "compare/compare.h"
#include "render/page.h"
#include "result/record.h"
#include "store/store.h"

namespace {

using result::Outcome;

std::string lines(int count, std::string_view text) {
  std::string out;
  for (int i = 0; i < count; ++i) out += std::string(text) + " " + std::to_string(i) + "\r\n";
  return out;
}

constexpr std::string_view kUb =
    "\x1b[1m\x1b[31merror\x1b[0m\x1b[1m: Undefined Behavior: Data race detected between (1) "
    "non-atomic write on thread `a` and (2) non-atomic read on thread `b`\x1b[0m\r\n"
    "  --> src/lib.rs:10:5\r\n";

void add(store::Store& store, const std::string& run, const std::string& crate,
         const std::string& version, Outcome outcome, const std::string& raw,
         std::vector<std::string> kinds = {}) {
  store.put(result::raw_key(run, crate, version), raw);
  const auto writer = store.open_writer(result::log_key(run, crate, version), store::kHtmlType);
  render::Page page(result::log_title(run, crate, version),
                    [&](std::string_view html) { writer->write(html); });
  page.feed(raw);
  page.finish();
  writer->commit();
  result::Record record{
      .tool = run,
      .toolchain = "nightly",
      .identity = {.tool = "miri",
                   .toolchain_version = "1.95.0-nightly",
                   .toolchain_commit = "f2d3ce0bd0123456789abcdef0123456789abcde",
                   .flags = {{"MIRIFLAGS", run == "before" ? "-Zmiri-ignore-leaks"
                                                           : "-Zmiri-ignore-leaks "
                                                             "-Zmiri-strict-provenance"}}},
      .crate = crate,
      .version = version,
      .started = std::chrono::system_clock::now(),
      .log_bytes = raw.size(),
      .renderer_version = render::kRendererVersion,
      .outcome = outcome,
  };
  for (std::string& kind : kinds) record.causes.push_back({.kind = std::move(kind)});
  store.put(result::result_key(run, crate, version), result::to_json(record), store::kJsonType);
}

void write_fixture(store::Store& store) {
  const std::string compiling = "   Compiling smallvec v1.11.0\r\n    Finished in 4.20s\r\n";
  add(store, "before", "smallvec", "1.11.0", Outcome::kPassed,
      compiling + "test a ... ok\r\ntest result: ok\r\n");
  add(store, "after", "smallvec", "1.11.0", Outcome::kUndefinedBehavior,
      compiling + "test a ... " + std::string(kUb), {"data race"});
  add(store, "before", "bytes", "1.5.0", Outcome::kTestFailed, "test a ... FAILED\r\n");
  add(store, "after", "bytes", "1.5.0", Outcome::kPassed, "test a ... ok\r\n");
  // The logs part at line 301.
  add(store, "before", "long-log", "0.3.0", Outcome::kTestFailed,
      lines(300, "test case") + "test last ... FAILED\r\n" + lines(300, "after"));
  add(store, "after", "long-log", "0.3.0", Outcome::kUndefinedBehavior,
      lines(300, "test case") + std::string(kUb) + lines(300, "after"), {"data race"});
  add(store, "before", "same", "1.0.0", Outcome::kPassed, "ok\r\n");
  add(store, "after", "same", "1.0.0", Outcome::kPassed, "ok\r\n");
  compare::compare_runs(store, store, {.a = "before", .b = "after"},
                        {{"smallvec", 500000}, {"bytes", 900000}, {"long-log", 10}, {"same", 1}});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: compare_fixture DIR\n");
    return 2;
  }
  try {
    const auto store = store::open_store(argv[1]);
    write_fixture(*store);
    std::printf("%s\n", store->url().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_fixture: %s\n", e.what());
    return 1;
  }
}
