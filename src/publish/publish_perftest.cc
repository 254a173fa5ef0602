// A sync over a big store where nothing changed must be cheap: it makes no
// request per crate. Writes N synthetic results (default 100,000) as `run`
// leaves them (raw log, page, record with its diagnosis) into a file:// store,
// then times: the first sync (no state yet: every record is read once), a
// second sync (nothing changed), and a third after one raw log changed.
//
//   publish_perftest [N] [DIR]        (bench/sync/run runs it)
//
// Goals: the second sync under 10 s and renders nothing; the third renders
// exactly one page. Exit 1 if one fails.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "diagnosis/diagnosis.h"
#include "publish/publish.h"
#include "render/page.h"
#include "result/record.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void print(const char* what, const publish::SyncStats& stats, double seconds) {
  std::printf("| %s | %.2f s | %zu | %zu | %zu | %zu |\n", what, seconds, stats.results,
              stats.unchanged, stats.rendered, stats.diagnosed);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::stoul(argv[1]) : 100000;
  const fs::path dir =
      argc > 2 ? fs::path(argv[2])
               : fs::temp_directory_path() / ("cah-sync-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);

  Clock::time_point start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    const std::string crate = "crate-" + std::to_string(i);
    const std::string log = "\x1b[1m\x1b[32m   Compiling\x1b[0m " + crate +
                            " v1.0.0 (/build)\r\ntest result: ok. " + std::to_string(i % 97) +
                            " passed\r\n";
    std::string html;
    render::Page page(result::log_title("miri", crate, "1.0.0"),
                      [&html](std::string_view bytes) { html += bytes; });
    page.feed(log);
    page.finish();
    result::Record record{.tool = "miri",
                          .toolchain = "nightly",
                          .crate = crate,
                          .version = "1.0.0",
                          .job = agent::JobResult{.commands = {{.exit_code = 0}}},
                          .started = std::chrono::system_clock::now(),
                          .wall_seconds = static_cast<double>(i % 600),
                          .log_bytes = log.size(),
                          .renderer_version = render::kRendererVersion};
    record.apply(diagnosis::diagnose(log, record.facts()));
    write_file(dir / result::raw_key("miri", crate, "1.0.0"), log);
    write_file(dir / result::log_key("miri", crate, "1.0.0"), html);
    write_file(dir / result::result_key("miri", crate, "1.0.0"), result::to_json(record));
  }
  std::printf("%zu synthetic results written to %s in %.1f s\n\n", count, dir.c_str(),
              seconds_since(start));

  auto store = store::open_store(dir.string());
  std::printf("| sync | time | results | unchanged | rendered | diagnosed |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  start = Clock::now();
  const publish::SyncStats first = publish::sync_tool(*store, {.tool = "miri"}, {});
  print("first (no state yet)", first, seconds_since(start));
  start = Clock::now();
  const publish::SyncStats unchanged = publish::sync_tool(*store, {.tool = "miri"}, {});
  const double unchanged_seconds = seconds_since(start);
  print("second (nothing changed)", unchanged, unchanged_seconds);

  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  store->put(result::raw_key("miri", "crate-7", "1.0.0"), "a new log\r\n");
  start = Clock::now();
  const publish::SyncStats one =
      publish::sync_tool(*store, {.tool = "miri", .archives = false}, {});
  print("third (one raw log changed; archives not rewritten)", one, seconds_since(start));
  fs::remove_all(dir);

  const bool pass = unchanged_seconds < 10 && unchanged.rendered == 0 && one.rendered == 1;
  std::printf("\n%s: an unchanged sync under 10 s rendering nothing; one change, one render\n",
              pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
