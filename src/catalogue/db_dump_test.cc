#include "catalogue/db_dump.h"

#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace catalogue {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

constexpr const char* kPrefix = "2026-11-30-020000/";

// The dump's real columns (crates.io's db-dump of 2026), in its order.
const std::vector<std::string> kCratesColumns = {
    "created_at",   "description",     "documentation", "downloads", "homepage",   "id",
    "max_features", "max_upload_size", "name",          "readme",    "repository", "updated_at"};
const std::vector<std::string> kVersionsColumns = {
    "bin_names",    "checksum",     "crate_id",   "crate_size", "created_at", "downloads",
    "features",     "has_lib",      "id",         "license",    "links",      "num",
    "published_by", "rust_version", "updated_at", "yanked"};
const std::vector<std::string> kVersionDownloadsColumns = {"date", "downloads", "version_id"};

using Row = std::map<std::string, std::string>;

/// A CSV file as PostgreSQL writes it: quoted only where needed, LF line
/// ends; columns a row leaves out are empty.
std::string csv(const std::vector<std::string>& columns, const std::vector<Row>& rows) {
  auto field = [](const std::string& value) {
    if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
    std::string quoted = "\"";
    for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  std::string text;
  for (size_t i = 0; i < columns.size(); ++i) text += (i ? "," : "") + columns[i];
  text += "\n";
  for (const Row& row : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      const auto it = row.find(columns[i]);
      text += (i ? "," : "") + field(it == row.end() ? "" : it->second);
    }
    text += "\n";
  }
  return text;
}

struct Entry {
  std::string path;
  std::string content;
};

/// Writes a tar.gz with libarchive, as crates.io's dump is.
void write_tar_gz(const fs::path& file, const std::vector<Entry>& entries) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(),
                                                            archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  archive_write_add_filter_gzip(a.get());
  ASSERT_EQ(archive_write_open_filename(a.get(), file.c_str()), ARCHIVE_OK);
  for (const Entry& e : entries) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                        archive_entry_free);
    archive_entry_set_pathname(entry.get(), e.path.c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.content.size()));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    ASSERT_EQ(archive_write_header(a.get(), entry.get()), ARCHIVE_OK);
    ASSERT_EQ(archive_write_data(a.get(), e.content.data(), e.content.size()),
              static_cast<la_ssize_t>(e.content.size()));
  }
  ASSERT_EQ(archive_write_close(a.get()), ARCHIVE_OK);
}

std::string sum(char digit) {
  std::string hex(64, digit);
  return hex;
}

const std::string kReadme =
    "# serde\n\nA \"serialization\" framework, for Rust.\r\n\n```toml\nserde = \"1\"\n```\n";

std::vector<Row> crates_rows() {
  return {
      {{"id", "10"},
       {"name", "serde"},
       {"description", "A generic serialization/deserialization framework, \"fast\""},
       {"readme", kReadme},
       {"downloads", "500000000"},
       {"created_at", "2014-12-05 20:20:39.487502+00"},
       {"max_upload_size", ""}},
      {{"id", "11"}, {"name", "rand"}, {"description", "Random numbers,\nmulti-line"}},
      {{"id", "12"}, {"name", "pre-only"}, {"description", R"(""")"}},
      {{"id", "13"}, {"name", "no-downloads"}},
      {{"id", "14"}, {"name", "all-yanked"}},
      {{"id", "15"}, {"name", "odd"}},
      {{"id", "16"}, {"name", "aaa"}},
      {{"id", "20"}, {"name", "no-versions"}},
  };
}

Row version(std::string id, std::string crate_id, std::string num, std::string yanked,
            std::string checksum) {
  return {{"id", std::move(id)},
          {"crate_id", std::move(crate_id)},
          {"num", std::move(num)},
          {"yanked", std::move(yanked)},
          {"checksum", std::move(checksum)},
          {"features", R"({"default":["std"],"std":[]})"},
          {"bin_names", "{}"},
          {"has_lib", "t"},
          {"license", "MIT OR Apache-2.0"},
          {"created_at", "2020-01-01 00:00:00+00"},
          {"downloads", "123"}};
}

std::vector<Row> versions_rows() {
  return {
      version("100", "10", "1.0.0", "f", sum('0')),
      version("101", "10", "1.0.1", "f", sum('1')),
      version("102", "10", "2.0.0-rc.1", "f", sum('2')),
      version("103", "10", "1.0.2", "t", sum('3')),  // yanked, though highest stable
      version("200", "11", "0.9.0-alpha.1", "f", sum('4')),
      version("201", "11", "0.8.5", "f", sum('5')),
      version("300", "12", "0.1.0-beta.11", "f", sum('6')),
      version("301", "12", "0.1.0-beta.2", "f", sum('7')),
      version("302", "12", "0.1.0-alpha", "f", sum('8')),
      version("400", "13", "0.1.0", "f", sum('9')),
      version("500", "14", "1.0.0", "t", sum('a')),
      version("501", "14", "1.1.0", "t", sum('b')),
      version("600", "15", "1.0", "f", sum('c')),  // not SemVer: only when nothing else
      version("601", "15", "v2", "f", sum('d')),
      version("602", "15", "3.0.0", "t", sum('e')),
      version("700", "16", "0.0.1+build.5", "f", sum('f')),
      version("701", "16", "0.0.1", "f", ""),        // equal precedence: the bytes pick +build.5
      version("900", "99", "1.0.0", "f", sum('0')),  // a crate crates.csv lacks
  };
}

Row downloads(std::string version_id, std::string n, std::string date = "2026-11-29") {
  return {{"version_id", std::move(version_id)}, {"downloads", std::move(n)}, {"date", date}};
}

std::vector<Row> version_downloads_rows() {
  return {
      downloads("100", "100"),  downloads("101", "40", "2026-11-28"),
      downloads("101", "10"),   downloads("102", "10"),
      downloads("103", "5"),    downloads("200", "300"),
      downloads("201", "200"),  downloads("300", "100"),
      downloads("301", "60"),   downloads("302", "5"),
      downloads("500", "1000"), downloads("600", "7"),
      downloads("888", "9999"),  // a version versions.csv lacks (deleted)
  };
}

class DbDumpTest : public ::testing::Test {
 protected:
  fs::path dump_ = fs::path(::testing::TempDir()) /
                   (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                    "-db-dump.tar.gz");

  void TearDown() override { fs::remove(dump_); }

  /// The dump with the three tables in the given order, among other files.
  void write_dump(const std::string& crates, const std::string& versions,
                  const std::string& version_downloads, bool versions_first = false) {
    std::vector<Entry> entries = {
        {std::string(kPrefix) + "README.md", "# crates.io database dump\n"},
        {std::string(kPrefix) + "metadata.json", "{\"timestamp\":\"2026-11-30T02:00:00Z\"}\n"},
        {std::string(kPrefix) + "data/categories.csv", "category,id\nx,1\n"},
        {std::string(kPrefix) + "data/crate_owners.csv", "crate_id,owner_id\n10,1\n"},
        {std::string(kPrefix) + "data/crates.csv", crates},
        {std::string(kPrefix) + "data/crates_categories.csv", "category_id,crate_id\n1,10\n"},
        {std::string(kPrefix) + "data/version_downloads.csv", version_downloads},
        {std::string(kPrefix) + "data/versions.csv", versions},
        {std::string(kPrefix) + "import.sql", "\\copy crates from 'data/crates.csv'\n"},
    };
    if (versions_first) std::reverse(entries.begin(), entries.end());
    write_tar_gz(dump_, entries);
  }

  void write_good_dump(bool versions_first = false) {
    write_dump(csv(kCratesColumns, crates_rows()), csv(kVersionsColumns, versions_rows()),
               csv(kVersionDownloadsColumns, version_downloads_rows()), versions_first);
  }

  std::string error_of(const std::set<std::pair<std::string, std::string>>& pins = {}) {
    try {
      read_db_dump(dump_, pins);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  }

  std::string file(const std::string& table) {
    return dump_.string() + ": " + kPrefix + "data/" + table;
  }
};

const std::vector<Crate> kExpectedCrates = {
    {"rand", "0.8.5", 500, sum('5')},
    {"pre-only", "0.1.0-beta.11", 165, sum('6')},
    {"serde", "1.0.1", 165, sum('1')},  // same downloads: by name
    {"odd", "v2", 7, sum('d')},
    {"aaa", "0.0.1+build.5", 0, sum('f')},
    {"no-downloads", "0.1.0", 0, sum('9')},
};

TEST_F(DbDumpTest, ListsEachCratesVersionToTestMostDownloadedFirst) {
  write_good_dump();
  const DbDump dump = read_db_dump(dump_);
  EXPECT_EQ(dump.crates, kExpectedCrates);
  EXPECT_TRUE(dump.pinned.empty());
}

TEST_F(DbDumpTest, DoesNotDependOnTheOrderOfTheTablesInTheArchive) {
  const std::set<std::pair<std::string, std::string>> pins = {{"serde", "1.0.2"},
                                                              {"all-yanked", "1.0.0"}};
  write_good_dump();
  const DbDump in_order = read_db_dump(dump_, pins);
  write_good_dump(/*versions_first=*/true);
  const DbDump reversed = read_db_dump(dump_, pins);
  EXPECT_EQ(reversed.crates, kExpectedCrates);
  EXPECT_EQ(reversed.crates, in_order.crates);
  EXPECT_EQ(reversed.pinned, in_order.pinned);
  EXPECT_EQ(reversed.pinned.size(), 2u);
}

TEST_F(DbDumpTest, FindsPinnedVersionsYankedOrNot) {
  for (bool versions_first : {false, true}) {
    write_good_dump(versions_first);
    const DbDump dump = read_db_dump(dump_, {{"serde", "1.0.2"},
                                             {"serde", "1.0.0"},
                                             {"all-yanked", "1.1.0"},
                                             {"aaa", "0.0.1"},
                                             {"serde", "9.9.9"},      // no such version
                                             {"rand", "1.0.0"},       // another crate's version
                                             {"missing", "1.0.0"}});  // no such crate
    EXPECT_EQ(dump.pinned, (std::vector<Crate>{
                               {"aaa", "0.0.1", 0, ""},
                               {"all-yanked", "1.1.0", 1000, sum('b')},
                               {"serde", "1.0.0", 165, sum('0')},
                               {"serde", "1.0.2", 165, sum('3')},
                           }))
        << versions_first;
    EXPECT_EQ(dump.crates, kExpectedCrates) << versions_first;
  }
}

TEST_F(DbDumpTest, JoinsManyRowsInAnyOrder) {
  // Enough rows, shuffled, that every update is held back and flushed, and
  // crates and versions come in no order of id.
  constexpr int kCrates = 60, kVersionsPerCrate = 12;
  std::vector<Row> crates, versions, rows;
  std::vector<Crate> expected;
  for (int c = 0; c < kCrates; ++c) {
    const std::string name = "crate-" + std::to_string(1000 + c);
    crates.push_back({{"id", std::to_string(c)}, {"name", name}});
    uint64_t total = 0;
    for (int v = 0; v < kVersionsPerCrate; ++v) {
      const int id = c * kVersionsPerCrate + v;
      // 0.1.v, the last one yanked: the best is 0.1.(kVersionsPerCrate - 2).
      versions.push_back(version(std::to_string(id), std::to_string(c), "0.1." + std::to_string(v),
                                 v == kVersionsPerCrate - 1 ? "t" : "f",
                                 sum("0123456789abcdef"[v])));
      for (int day = 0; day < 3; ++day) {
        const uint64_t n = (c % 7) * 1000 + v + day;
        rows.push_back(downloads(std::to_string(id), std::to_string(n)));
        total += n;
      }
    }
    expected.push_back({name, "0.1." + std::to_string(kVersionsPerCrate - 2), total,
                        sum("0123456789abcdef"[kVersionsPerCrate - 2])});
  }
  auto shuffle = [](std::vector<Row>& v) {
    for (size_t i = 0; i < v.size(); ++i) std::swap(v[i], v[(i * 7919 + 13) % v.size()]);
  };
  shuffle(crates);
  shuffle(versions);
  shuffle(rows);
  std::sort(expected.begin(), expected.end(), [](const Crate& a, const Crate& b) {
    return a.downloads != b.downloads ? a.downloads > b.downloads : a.name < b.name;
  });
  for (bool versions_first : {false, true}) {
    write_dump(csv(kCratesColumns, crates), csv(kVersionsColumns, versions),
               csv(kVersionDownloadsColumns, rows), versions_first);
    EXPECT_EQ(read_db_dump(dump_).crates, expected) << versions_first;
  }
}

TEST_F(DbDumpTest, ReadsCrlfLineEnds) {
  auto crlf = [](const std::string& text) {
    std::string out;
    bool quoted = false;
    for (char c : text) {
      if (c == '"') quoted = !quoted;
      if (c == '\n' && !quoted) out += '\r';
      out += c;
    }
    return out;
  };
  write_dump(crlf(csv(kCratesColumns, crates_rows())), crlf(csv(kVersionsColumns, versions_rows())),
             crlf(csv(kVersionDownloadsColumns, version_downloads_rows())));
  EXPECT_EQ(read_db_dump(dump_).crates, kExpectedCrates);
}

TEST_F(DbDumpTest, SaysWhichTableIsMissing) {
  write_tar_gz(dump_, {{std::string(kPrefix) + "data/crates.csv", csv(kCratesColumns, {})},
                       {std::string(kPrefix) + "data/version_downloads.csv",
                        csv(kVersionDownloadsColumns, {})}});
  EXPECT_EQ(error_of(), dump_.string() + ": no data/versions.csv inside");
}

TEST_F(DbDumpTest, SaysWhichColumnIsMissing) {
  std::vector<std::string> columns = kVersionsColumns;
  std::erase(columns, "yanked");
  write_dump(csv(kCratesColumns, crates_rows()), csv(columns, versions_rows()),
             csv(kVersionDownloadsColumns, version_downloads_rows()));
  EXPECT_THAT(error_of(), HasSubstr(file("versions.csv") + ": no column \"yanked\""));
}

TEST_F(DbDumpTest, SaysWhereAFieldIsMalformed) {
  auto rows = version_downloads_rows();
  rows[2]["downloads"] = "12x";  // line 4: the header, then two rows
  write_dump(csv(kCratesColumns, crates_rows()), csv(kVersionsColumns, versions_rows()),
             csv(kVersionDownloadsColumns, rows));
  EXPECT_EQ(error_of(),
            file("version_downloads.csv") + ":4: column downloads: \"12x\" is not a number");

  // Line numbers count the lines inside quoted fields: serde's readme has 7.
  auto crates = crates_rows();
  crates[1]["id"] = "-11";
  write_dump(csv(kCratesColumns, crates), csv(kVersionsColumns, versions_rows()),
             csv(kVersionDownloadsColumns, version_downloads_rows()));
  EXPECT_EQ(error_of(), file("crates.csv") + ":10: column id: \"-11\" is not a number");

  auto versions = versions_rows();
  versions[0]["yanked"] = "true";
  write_dump(csv(kCratesColumns, crates_rows()), csv(kVersionsColumns, versions),
             csv(kVersionDownloadsColumns, version_downloads_rows()));
  EXPECT_EQ(error_of(), file("versions.csv") + ":2: column yanked: \"true\" is not t or f");

  versions = versions_rows();
  versions[1]["checksum"] = "abc";
  write_dump(csv(kCratesColumns, crates_rows()), csv(kVersionsColumns, versions),
             csv(kVersionDownloadsColumns, version_downloads_rows()));
  EXPECT_EQ(error_of(),
            file("versions.csv") + ":3: column checksum: \"abc\" is not a SHA-256 in hex");

  versions = versions_rows();
  versions[1]["crate_id"] = "99999999999";
  write_dump(csv(kCratesColumns, crates_rows()), csv(kVersionsColumns, versions),
             csv(kVersionDownloadsColumns, version_downloads_rows()));
  EXPECT_THAT(error_of(),
              HasSubstr(file("versions.csv") + ":3: column crate_id: 99999999999 is too large"));
}

TEST_F(DbDumpTest, SaysWhereTheCsvIsMalformed) {
  write_dump(csv(kCratesColumns, crates_rows()), csv(kVersionsColumns, versions_rows()),
             "date,downloads,version_id\n2026-11-29,1,100\n\"2026-11-29,2,101\n");
  EXPECT_EQ(error_of(), file("version_downloads.csv") + ":3: a quoted field is not closed");
}

TEST_F(DbDumpTest, RejectsASecondCopyOfATable) {
  const std::string crates = csv(kCratesColumns, crates_rows());
  write_tar_gz(dump_, {{std::string(kPrefix) + "data/crates.csv", crates},
                       {std::string("other/") + "data/crates.csv", crates}});
  EXPECT_EQ(error_of(), dump_.string() + ": other/data/crates.csv: a second copy");
}

TEST_F(DbDumpTest, RejectsATruncatedDump) {
  // Enough rows that the cut falls inside a table, not in the gzip trailer.
  std::vector<Row> rows;
  rows.reserve(20000);
  for (int i = 0; i < 20000; ++i)
    rows.push_back(downloads(std::to_string(i), std::to_string(i * 7919 % 1000)));
  write_dump(csv(kCratesColumns, crates_rows()), csv(kVersionsColumns, versions_rows()),
             csv(kVersionDownloadsColumns, rows));
  fs::resize_file(dump_, fs::file_size(dump_) / 2);
  const std::string error = error_of();
  EXPECT_THAT(error, HasSubstr(file("version_downloads.csv") + ":"));
  EXPECT_THAT(error, HasSubstr("runcated"));
}

TEST_F(DbDumpTest, RejectsWhatIsNotADump) {
  EXPECT_THAT(error_of(), HasSubstr(dump_.string() + ": "));  // no such file
  std::ofstream(dump_) << "id,name\n1,serde\n";
  EXPECT_THAT(error_of(), HasSubstr(dump_.string() + ": "));
}

}  // namespace
}  // namespace catalogue
