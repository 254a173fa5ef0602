// Comparing two big runs again must be cheap: no request per unchanged crate.
// Writes two runs of N synthetic crates (default 100,000; one in 20 differs,
// with a 200-line log) into a file:// store, then times: the first compare
// (every record read, a page per differing crate), a second (nothing
// changed), and a third after 100 crates of B ran again.
//
//   compare_perftest [N] [DIR]
//
// Exit 1 if the second compare reads a record or the third reads more than
// the 100.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "compare/compare.h"
#include "result/record.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using result::Outcome;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// As `run` leaves a crate, written straight into the file store's folder
/// (the store's own puts fsync each object: minutes for 100,000).
void add(const fs::path& dir, const std::string& run, const std::string& crate, Outcome outcome,
         const std::string& log) {
  const result::Record record{.tool = run,
                              .toolchain = "nightly",
                              .crate = crate,
                              .version = "1.0.0",
                              .started = std::chrono::system_clock::now(),
                              .outcome = outcome};
  for (const auto& [key, bytes] :
       {std::pair{result::raw_key(run, crate, "1.0.0"), log},
        {result::result_key(run, crate, "1.0.0"), result::to_json(record)}}) {
    fs::create_directories((dir / key).parent_path());
    std::ofstream(dir / key, std::ios::binary) << bytes;
  }
}

void print(const char* what, const compare::CompareStats& stats, double seconds) {
  std::printf("| %s | %.2f s | %zu | %zu | %zu | %zu |\n", what, seconds, stats.common,
              stats.reused, stats.compared, stats.pages);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::stoul(argv[1]) : 100000;
  const fs::path dir =
      argc > 2 ? fs::path(argv[2])
               : fs::temp_directory_path() / ("cah-compare-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const auto store = store::open_store(dir.string());
  std::string long_log;
  for (int i = 0; i < 200; ++i) long_log += "test case " + std::to_string(i) + " ... ok\r\n";

  Clock::time_point start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    const std::string crate = "crate-" + std::to_string(i);
    const bool differs = i % 20 == 0;
    add(dir, "a", crate, Outcome::kPassed, long_log);
    add(dir, "b", crate, differs ? Outcome::kTestFailed : Outcome::kPassed,
        differs ? long_log + "test last ... FAILED\r\n" : long_log);
  }
  std::printf("wrote 2 x %zu results in %.1f s to %s\n\n", count, seconds_since(start),
              dir.c_str());
  std::printf(
      "| compare | time | both ran | reused | compared | pages |\n|---|---|---|---|---|---|\n");

  start = Clock::now();
  const compare::CompareStats first =
      compare::compare_runs(*store, *store, {.a = "a", .b = "b"}, {});
  print("first", first, seconds_since(start));
  start = Clock::now();
  const compare::CompareStats second =
      compare::compare_runs(*store, *store, {.a = "a", .b = "b"}, {});
  print("nothing changed", second, seconds_since(start));
  for (size_t i = 0; i < 100; ++i) {
    add(dir, "b", "crate-" + std::to_string(i * 7 + 1), Outcome::kOutOfMemory, "killed\r\n");
  }
  start = Clock::now();
  const compare::CompareStats third =
      compare::compare_runs(*store, *store, {.a = "a", .b = "b"}, {});
  print("100 ran again", third, seconds_since(start));
  fs::remove_all(dir);
  return second.compared == 0 && third.compared == 100 ? 0 : 1;
}
