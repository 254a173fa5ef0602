#include "report/archives.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <map>

namespace report {
namespace {

namespace fs = std::filesystem;

class Archives : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cah-archives-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    store_ = store::open_store("file://" + root_.string());
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  std::unique_ptr<store::Store> store_;
};

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

/// Reads the .tar.xz at `path` entry by entry, handing each entry's data to
/// `visit(name, chunk)` in pieces; fails the test on a malformed archive.
template <typename Visit>
void read_tar_xz(const fs::path& path, Visit visit) {
  std::unique_ptr<archive, ReadFree> a(archive_read_new());
  archive_read_support_filter_xz(a.get());
  archive_read_support_format_tar(a.get());
  ASSERT_EQ(archive_read_open_filename(a.get(), path.c_str(), 1 << 16), ARCHIVE_OK)
      << archive_error_string(a.get());
  ASSERT_EQ(archive_filter_code(a.get(), 0), ARCHIVE_FILTER_XZ);
  archive_entry* entry = nullptr;
  int status;
  while ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    const char* pathname = archive_entry_pathname(entry);
    ASSERT_NE(pathname, nullptr);
    const std::string name = pathname;
    EXPECT_EQ(archive_entry_filetype(entry), AE_IFREG);
    visit(name, std::string_view());
    const void* buffer;
    size_t size;
    la_int64_t offset;
    while ((status = archive_read_data_block(a.get(), &buffer, &size, &offset)) == ARCHIVE_OK) {
      visit(name, std::string_view(static_cast<const char*>(buffer), size));
    }
    ASSERT_EQ(status, ARCHIVE_EOF) << archive_error_string(a.get());
  }
  ASSERT_EQ(status, ARCHIVE_EOF) << archive_error_string(a.get());
}

std::map<std::string, std::string> read_whole(const fs::path& path) {
  std::map<std::string, std::string> files;
  read_tar_xz(path, [&](const std::string& name, std::string_view chunk) { files[name] += chunk; });
  return files;
}

TEST_F(Archives, HoldEveryLogWithIdenticalBytes) {
  const std::string binary("\x1b[31mred\x00\xff\r\n", 11);
  const std::string long_name(150, 'n');  // past ustar's 100-byte name field
  const std::map<std::string, std::string> raw = {
      {"serde/1.0.0", binary},
      {"serde/1.0.1", std::string(3 << 20, 'x')},
      {"empty/0.1.0", ""},
      {long_name + "/1.0.0+build.1", "long"},
      {"caf\u00e9/1.0.0", "utf-8 name"},
  };
  for (const auto& [name, bytes] : raw) {
    store_->put("miri/raw/" + name, bytes);
    store_->put("miri/logs/" + name, "<html>" + bytes);
  }
  store_->put("miri/results/serde/1.0.0.json", "{}");  // in neither archive
  store_->put("asan/raw/other/1.0.0", "another tool's");

  std::map<std::string, std::string> html;
  for (const auto& [name, bytes] : raw) html[name + ".html"] = "<html>" + bytes;
  // Read ahead (the 3 MiB log too), one at a time, and with the big log
  // streamed between logs read ahead: the same archives.
  for (const store::ReadAheadOptions read_ahead :
       {store::ReadAheadOptions{}, store::ReadAheadOptions{.threads = 0},
        store::ReadAheadOptions{.threads = 3, .max_object_bytes = 1024}}) {
    write_archives(*store_, "miri", {.read_ahead = read_ahead});
    EXPECT_EQ(read_whole(root_ / "miri/raw.tar.xz"), raw) << read_ahead.threads;
    EXPECT_EQ(read_whole(root_ / "miri/html.tar.xz"), html) << read_ahead.threads;
  }
}

TEST_F(Archives, OfNoLogsAreEmptyButValid) {
  write_archives(*store_, "miri");
  EXPECT_TRUE(read_whole(root_ / "miri/raw.tar.xz").empty());
  EXPECT_TRUE(read_whole(root_ / "miri/html.tar.xz").empty());
}

TEST_F(Archives, ReplaceTheOldOnes) {
  store_->put("miri/raw/a/1.0.0", "first");
  write_archives(*store_, "miri");
  store_->put("miri/raw/b/1.0.0", "second");
  write_archives(*store_, "miri");
  EXPECT_EQ(read_whole(root_ / "miri/raw.tar.xz").size(), 2u);
  size_t objects = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root_ / "miri")) {
    objects += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(objects, 4u) << "no temporaries left behind";
}

// A log line as a long Miri run prints it, numbered so that a misplaced
// chunk cannot go unnoticed.
std::string log_line(uint64_t i) {
  return "test tests::case_" + std::to_string(i) + " ... \x1b[32mok\x1b[0m (" +
         std::to_string(i * 7919 % 1000) + " ms)\r\n";
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST_F(Archives, StreamABigLogInBoundedMemory) {
  constexpr uint64_t kSize = 300 * (uint64_t{1} << 20);
  {
    const auto writer = store_->open_writer("miri/raw/big/1.0.0");
    std::string chunk;
    for (uint64_t i = 0; writer->bytes_written() < kSize; ++i) {
      chunk += log_line(i);
      if (chunk.size() >= (1 << 20)) {
        writer->write(chunk);
        chunk.clear();
      }
    }
    writer->write(chunk);
    writer->commit();
  }
  const uint64_t size = fs::file_size(root_ / "miri/raw/big/1.0.0");
  store_->put("miri/logs/big/1.0.0", "<html>");

  write_archives(*store_, "miri");

  // Compare as it streams out, against the lines regenerated.
  std::string expected;
  uint64_t next_line = 0, seen = 0;
  bool same = true;
  read_tar_xz(root_ / "miri/raw.tar.xz", [&](const std::string& name, std::string_view chunk) {
    EXPECT_EQ(name, "big/1.0.0");
    while (expected.size() < chunk.size()) expected += log_line(next_line++);
    same = same && expected.compare(0, chunk.size(), chunk) == 0;
    expected.erase(0, chunk.size());
    seen += chunk.size();
  });
  EXPECT_TRUE(same);
  EXPECT_EQ(seen, size);
  EXPECT_LT(fs::file_size(root_ / "miri/raw.tar.xz"), size / 20);
  // Neither the log nor the archive was ever held whole.
  EXPECT_LT(peak_rss_kib(), 200 * 1024);
}

}  // namespace
}  // namespace report
