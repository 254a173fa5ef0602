// `sync` over a store with one bad object in each place it reads: a result
// record, a raw log, a page, T/sync-state.json. Each fault (truncated
// JSON, binary garbage, an empty object, a folder where a file should be,
// no read permission) must cost only that object: it is named in the
// stats, counted once, and every other crate is still published.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "publish/publish.h"
#include "publish/publish_state.h"
#include "result/record.h"
#include "testing/forwarding_store.h"

namespace publish {
namespace {

namespace fs = std::filesystem;

/// The file store as an unprivileged user sees it: the tests run as root
/// too, and root reads a file of mode 000. A read of such a file fails as
/// FileStore's own read fails without permission.
class PermissionStore final : public testing_store::ForwardingStore {
 public:
  explicit PermissionStore(fs::path root)
      : ForwardingStore(store::open_store(root.string())), root_(std::move(root)) {}

  std::optional<std::string> get(std::string_view key) override {
    check_readable(key);
    return inner().get(key);
  }
  bool read(std::string_view key, const std::function<void(std::string_view)>& sink) override {
    check_readable(key);
    return inner().read(key, sink);
  }

 private:
  void check_readable(std::string_view key) const {
    const fs::path path = root_ / std::string(key);
    struct stat status {};
    if (::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
        (status.st_mode & 0444) == 0) {
      throw store::StoreError("cannot read " + path.string() + ": Permission denied");
    }
  }

  fs::path root_;
};

enum class Fault { kTruncatedJson, kGarbage, kEmpty, kFolder, kUnreadable };

const char* fault_name(Fault fault) {
  switch (fault) {
    case Fault::kTruncatedJson:
      return "truncated";
    case Fault::kGarbage:
      return "garbage";
    case Fault::kEmpty:
      return "empty";
    case Fault::kFolder:
      return "folder";
    case Fault::kUnreadable:
      return "unreadable";
  }
  return "?";
}

enum class Place { kRecord, kRaw, kPage, kState };

const char* place_name(Place place) {
  switch (place) {
    case Place::kRecord:
      return "record";
    case Place::kRaw:
      return "raw";
    case Place::kPage:
      return "page";
    case Place::kState:
      return "state";
  }
  return "?";
}

struct Case {
  Place place;
  Fault fault;
  /// Injected after a first, clean sync (then a new crate makes the second
  /// sync rewrite the archives, which read every raw log and page).
  bool after_first_sync;
  /// How many objects the (second) sync must name as skipped: 0 or 1.
  size_t skipped;
  /// Whether crate b is on the site after it.
  bool b_listed;
};

void PrintTo(const Case& c, std::ostream* out) {
  *out << place_name(c.place) << " " << fault_name(c.fault)
       << (c.after_first_sync ? " after a first sync" : "");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(place_name(info.param.place)) + "_" + fault_name(info.param.fault) +
         (info.param.after_first_sync ? "_later" : "");
}

std::string key_of(Place place) {
  switch (place) {
    case Place::kRecord:
      return result::result_key("miri", "b", "1.0.0");
    case Place::kRaw:
      return result::raw_key("miri", "b", "1.0.0");
    case Place::kPage:
      return result::log_key("miri", "b", "1.0.0");
    case Place::kState:
      return state_key("miri");
  }
  return {};
}

class SyncFaults : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ = fs::temp_directory_path() / ("cah-sync-faults-" + std::to_string(getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = std::make_unique<PermissionStore>(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(dir_ / key_of(GetParam().place), fs::perms::owner_all, ignored);
    fs::remove_all(dir_);
  }

  void add_result(const std::string& crate) {
    store_->put(result::raw_key("miri", crate, "1.0.0"),
                "error[E0425]: cannot find value `x` in this scope\r\n");
    const result::Record record{
        .tool = "miri",
        .toolchain = "nightly",
        .crate = crate,
        .version = "1.0.0",
        .job = agent::JobResult{.commands = {{.exit_code = 101}}},
        .started = std::chrono::system_clock::now(),
        .outcome = result::Outcome::kBuildFailed,
    };
    store_->put(result::result_key("miri", crate, "1.0.0"), result::to_json(record));
  }

  void inject(Place place, Fault fault) {
    const fs::path path = dir_ / key_of(place);
    fs::create_directories(path.parent_path());
    const std::string good = store_->get(key_of(place)).value_or("{\"crate\": \"b\"}");
    fs::remove_all(path);
    switch (fault) {
      case Fault::kTruncatedJson:
        std::ofstream(path, std::ios::binary) << good.substr(0, good.size() / 2);
        break;
      case Fault::kGarbage:
        std::ofstream(path, std::ios::binary) << std::string("\x89\xff\x00\x1f\xfe garbage", 13);
        break;
      case Fault::kEmpty:
        std::ofstream(path, std::ios::binary).flush();
        break;
      case Fault::kFolder:
        fs::create_directories(path);
        break;
      case Fault::kUnreadable:
        std::ofstream(path, std::ios::binary) << good;
        fs::permissions(path, fs::perms::none);
        break;
    }
  }

  SyncStats sync() {
    return sync_tool(*store_, {.tool = "miri"}, {{"a", 10}, {"b", 20}, {"c", 5}});
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_P(SyncFaults, OneBadObjectIsSkippedNamedAndCountedAndTheRestIsPublished) {
  const Case& c = GetParam();
  add_result("a");
  add_result("b");
  add_result("c");
  if (c.after_first_sync) {
    const SyncStats first = sync();
    ASSERT_TRUE(first.skipped.empty());
    add_result("d");  // something changed: the archives are written again
  }
  inject(c.place, c.fault);

  SyncStats stats;
  ASSERT_NO_THROW(stats = sync());
  ASSERT_EQ(stats.skipped.size(), c.skipped);
  if (c.skipped == 1) {
    EXPECT_EQ(stats.skipped[0].key, key_of(c.place));
    EXPECT_FALSE(stats.skipped[0].reason.empty());
  }

  // Every other crate is published: results.json, its page, the site.
  const nlohmann::json results = nlohmann::json::parse(*store_->get("miri/results.json"));
  std::vector<std::string> listed;
  for (const auto& line : results) listed.push_back(line.at("crate"));
  std::vector<std::string> expected = {"a"};
  if (c.b_listed) expected.emplace_back("b");
  expected.emplace_back("c");
  if (c.after_first_sync) expected.emplace_back("d");
  EXPECT_EQ(listed, expected);
  for (const char* crate : {"a", "c"}) {
    EXPECT_NE(store_->get(result::log_key("miri", crate, "1.0.0")).value_or("").find("E0425"),
              std::string::npos)
        << crate;
  }
  for (const char* key : {"miri/index.html", "miri/ub", "miri/summary.html", "miri/list.html",
                          "miri/raw.tar.xz", "miri/html.tar.xz"}) {
    EXPECT_TRUE(store_->head(key)) << key;
  }

  // The next sync meets the same fault again, and says so again; nothing
  // it skipped was taken as done.
  if (c.skipped == 1 && c.place != Place::kState) {
    const SyncStats again = sync();
    ASSERT_EQ(again.skipped.size(), 1u);
    EXPECT_EQ(again.skipped[0].key, key_of(c.place));
  }
}

// Raw logs and pages are any bytes: truncated, garbage or empty ones are
// logs like others. A folder is no object: a record or raw log that is a
// folder is absent (the crate is not complete, or has no raw log); a page
// that is a folder cannot be replaced.
INSTANTIATE_TEST_SUITE_P(
    EveryPlaceSyncReads, SyncFaults,
    ::testing::Values(Case{Place::kRecord, Fault::kTruncatedJson, false, 1, false},
                      Case{Place::kRecord, Fault::kGarbage, false, 1, false},
                      Case{Place::kRecord, Fault::kEmpty, false, 1, false},
                      Case{Place::kRecord, Fault::kFolder, false, 0, false},
                      Case{Place::kRecord, Fault::kUnreadable, false, 1, false},
                      // A record that was published and then went bad keeps its last line.
                      Case{Place::kRecord, Fault::kTruncatedJson, true, 1, true},
                      Case{Place::kRecord, Fault::kUnreadable, true, 1, true},
                      Case{Place::kRaw, Fault::kTruncatedJson, false, 0, true},
                      Case{Place::kRaw, Fault::kGarbage, false, 0, true},
                      Case{Place::kRaw, Fault::kEmpty, false, 0, true},
                      Case{Place::kRaw, Fault::kFolder, false, 0, true},
                      Case{Place::kRaw, Fault::kUnreadable, false, 1, true},
                      Case{Place::kRaw, Fault::kUnreadable, true, 1, true},
                      Case{Place::kPage, Fault::kGarbage, true, 0, true},
                      Case{Place::kPage, Fault::kEmpty, true, 0, true},
                      Case{Place::kPage, Fault::kFolder, false, 1, true},
                      Case{Place::kPage, Fault::kUnreadable, true, 1, true},
                      Case{Place::kState, Fault::kTruncatedJson, true, 1, true},
                      Case{Place::kState, Fault::kGarbage, true, 1, true},
                      Case{Place::kState, Fault::kEmpty, true, 1, true},
                      Case{Place::kState, Fault::kFolder, true, 1, true},
                      Case{Place::kState, Fault::kUnreadable, true, 1, true}),
    case_name);

}  // namespace
}  // namespace publish
