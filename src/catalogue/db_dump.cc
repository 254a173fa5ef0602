#include "catalogue/db_dump.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include "catalogue/csv.h"
#include "catalogue/semver.h"

namespace catalogue {
namespace {

using PinnedVersions = std::set<std::pair<std::string, std::string>>;

// Ids index vectors, which is right for the dump's dense serial ids; the
// bound turns a corrupt id into an error instead of gigabytes of zeros.
constexpr uint64_t kMaxId = uint64_t{1} << 28;
constexpr uint32_t kNoCrate = std::numeric_limits<uint32_t>::max();

/// The tables we read, by the end of their path in the archive
/// ("2026-11-30-020000/data/crates.csv").
enum Table : uint8_t { kCrates, kVersions, kVersionDownloads, kTableCount };
constexpr std::array<std::string_view, kTableCount> kTablePaths = {
    "data/crates.csv", "data/versions.csv", "data/version_downloads.csv"};

std::optional<Table> table_of(std::string_view path) {
  for (uint8_t t = 0; t < kTableCount; ++t) {
    const std::string_view end = kTablePaths[t];
    if (path.ends_with(end) &&
        (path.size() == end.size() || path[path.size() - end.size() - 1] == '/'))
      return static_cast<Table>(t);
  }
  return std::nullopt;
}

template <typename T>
void grow_to_index(std::vector<T>& v, size_t index, T fill = T()) {
  if (index >= v.size()) v.resize(index + 1, fill);
}

/// A SHA-256 as 32 bytes rather than 64 hex digits: a million crates keep one.
using Checksum = std::array<uint8_t, 32>;

std::optional<Checksum> parse_checksum(std::string_view hex) {
  Checksum sum{};
  if (hex.size() != 2 * sum.size()) return std::nullopt;
  for (size_t i = 0; i < sum.size(); ++i) {
    const auto [end, error] =
        std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, sum[i], 16);
    if (error != std::errc() || end != hex.data() + 2 * i + 2) return std::nullopt;
  }
  return sum;
}

std::string to_hex(const Checksum& sum) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * sum.size());
  for (uint8_t b : sum) {
    hex += kDigits[b >> 4];
    hex += kDigits[b & 15];
  }
  return hex;
}

/// A record's fields read by column name, with errors that say where.
class Fields {
 public:
  Fields(const std::string& file, const CsvRecord& record) : file_(file), record_(record) {}

  std::string_view text(size_t column) const { return record_.fields[column]; }

  uint64_t number(size_t column, std::string_view name, uint64_t max) const {
    const std::string_view field = text(column);
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || error != std::errc() || end != field.data() + field.size())
      fail(name, "\"" + std::string(field) + "\" is not a number");
    if (value > max)
      fail(name, std::to_string(value) + " is too large (at most " + std::to_string(max) + ")");
    return value;
  }

  /// PostgreSQL's booleans: "t" or "f".
  bool flag(size_t column, std::string_view name) const {
    const std::string_view field = text(column);
    if (field != "t" && field != "f") fail(name, "\"" + std::string(field) + "\" is not t or f");
    return field == "t";
  }

  std::optional<Checksum> checksum(size_t column, std::string_view name) const {
    const std::string_view field = text(column);
    if (field.empty()) return std::nullopt;  // the version's checksum is unknown
    auto sum = parse_checksum(field);
    if (!sum) fail(name, "\"" + std::string(field) + "\" is not a SHA-256 in hex");
    return sum;
  }

  [[noreturn]] void fail(std::string_view column, const std::string& what) const {
    throw_csv_error(file_, record_.line, "column " + std::string(column) + ": " + what);
  }

 private:
  const std::string& file_;
  const CsvRecord& record_;
};

/// Rows come in no order of crate or version, and the tables indexed by id
/// (hundreds of MB at full scale) do not fit in the cache, so each row's
/// update would wait on memory. HeldBack delays every update by a few rows
/// while the caller prefetches its target: the same updates in the same
/// order, with the waits overlapped (a quarter less CPU time at full scale).
template <typename Update>
class HeldBack {
 public:
  /// The slot to fill with the next update; `apply` first runs the update
  /// the slot held, if any.
  template <typename Apply>
  Update& next(Apply apply) {
    Update& slot = ring_[count_++ % kDepth];
    if (count_ > kDepth) apply(slot);
    return slot;
  }
  template <typename Apply>
  void flush(Apply apply) {
    for (size_t i = count_ > kDepth ? count_ - kDepth : 0; i < count_; ++i)
      apply(ring_[i % kDepth]);
    count_ = 0;
  }

 private:
  static constexpr size_t kDepth = 16;
  std::array<Update, kDepth> ring_{};
  size_t count_ = 0;
};

/// What the three tables say, gathered as each streams by, in any order, and
/// joined at the end.
class DumpTables {
 public:
  explicit DumpTables(const PinnedVersions& pinned) {
    for (const auto& [name, version] : pinned) {
      pins_.emplace(name, version);
      pinned_nums_.insert(version);
    }
  }

  /// A reader for `table`, whose records update these tables.
  CsvReader reader(Table table, const std::string& file);
  DbDump join();

 private:
  struct CrateState {
    std::string name;  // empty until crates.csv has been read
    BestVersion best;
    std::optional<Checksum> checksum;  // the best version's
    uint64_t downloads = 0;
  };
  /// A version offered to its crate's BestVersion, held back a few rows.
  struct VersionUpdate {
    uint32_t crate_id = 0;
    bool yanked = false;
    std::string num;
    std::optional<Checksum> checksum;
  };
  struct DownloadsUpdate {
    uint32_t version_id = 0;
    uint64_t downloads = 0;
  };
  /// A version that may be pinned, kept until crates.csv has named its crate.
  struct PinCandidate {
    uint32_t crate_id;
    std::string num;
    std::optional<Checksum> checksum;
  };

  void add_crate(const Fields& f);
  void add_version(const Fields& f);
  void add_downloads(const Fields& f);
  void apply(const VersionUpdate& u);
  void apply(const DownloadsUpdate& u) { downloads_of_version_[u.version_id] += u.downloads; }
  bool maybe_pinned(uint32_t crate_id, std::string_view num) const;

  std::vector<CrateState> crates_;              // by crate id
  std::vector<uint32_t> crate_of_version_;      // by version id; kNoCrate if none
  std::vector<uint64_t> downloads_of_version_;  // by version id
  std::set<std::pair<std::string_view, std::string_view>> pins_;
  std::set<std::string_view> pinned_nums_;
  std::vector<PinCandidate> pin_candidates_;
  HeldBack<VersionUpdate> version_updates_;
  HeldBack<DownloadsUpdate> downloads_updates_;

  // Column indexes, from each table's header.
  struct {
    size_t id, name;
  } crates_columns_{};
  struct {
    size_t id, crate_id, num, yanked, checksum;
  } versions_columns_{};
  struct {
    size_t version_id, downloads;
  } downloads_columns_{};
};

CsvReader DumpTables::reader(Table table, const std::string& file) {
  // The callbacks capture the file name by value: the reader owns its copy.
  switch (table) {
    case kCrates:
      return CsvReader(
          file,
          [this](const CsvHeader& h) {
            crates_columns_ = {h.column("id"), h.column("name")};
          },
          [this, file](const CsvRecord& r) { add_crate(Fields(file, r)); });
    case kVersions:
      return CsvReader(
          file,
          [this](const CsvHeader& h) {
            versions_columns_ = {h.column("id"), h.column("crate_id"), h.column("num"),
                                 h.column("yanked"), h.column("checksum")};
          },
          [this, file](const CsvRecord& r) { add_version(Fields(file, r)); });
    default:
      return CsvReader(
          file,
          [this](const CsvHeader& h) {
            downloads_columns_ = {h.column("version_id"), h.column("downloads")};
          },
          [this, file](const CsvRecord& r) { add_downloads(Fields(file, r)); });
  }
}

void DumpTables::add_crate(const Fields& f) {
  const auto id = f.number(crates_columns_.id, "id", kMaxId);
  const std::string_view name = f.text(crates_columns_.name);
  if (name.empty()) f.fail("name", "empty");
  grow_to_index(crates_, id);
  crates_[id].name = name;
}

void DumpTables::add_version(const Fields& f) {
  const auto& c = versions_columns_;
  const auto id = f.number(c.id, "id", kMaxId);
  const auto crate_id = static_cast<uint32_t>(f.number(c.crate_id, "crate_id", kMaxId));
  const std::string_view num = f.text(c.num);
  const bool yanked = f.flag(c.yanked, "yanked");
  grow_to_index(crate_of_version_, id, kNoCrate);
  crate_of_version_[id] = crate_id;
  grow_to_index(crates_, crate_id);
  const std::optional<Checksum> checksum = f.checksum(c.checksum, "checksum");
  if (maybe_pinned(crate_id, num))
    pin_candidates_.push_back({crate_id, std::string(num), checksum});
  __builtin_prefetch(&crates_[crate_id].best);
  VersionUpdate& u = version_updates_.next([this](const VersionUpdate& held) { apply(held); });
  u.crate_id = crate_id;
  u.yanked = yanked;
  u.num.assign(num);  // into the slot's own buffer: no allocation per row
  u.checksum = checksum;
}

void DumpTables::apply(const VersionUpdate& u) {
  CrateState& crate = crates_[u.crate_id];
  if (crate.best.offer(u.num, u.yanked)) crate.checksum = u.checksum;
}

bool DumpTables::maybe_pinned(uint32_t crate_id, std::string_view num) const {
  if (!pinned_nums_.contains(num)) return false;
  // Before crates.csv the name is unknown: keep the version, decide at the end.
  const std::string& name = crates_[crate_id].name;
  return name.empty() || pins_.contains({name, num});
}

void DumpTables::add_downloads(const Fields& f) {
  const auto version_id = f.number(downloads_columns_.version_id, "version_id", kMaxId);
  const auto downloads = f.number(downloads_columns_.downloads, "downloads", UINT64_MAX);
  grow_to_index(downloads_of_version_, version_id);
  __builtin_prefetch(&downloads_of_version_[version_id]);
  DownloadsUpdate& u =
      downloads_updates_.next([this](const DownloadsUpdate& held) { apply(held); });
  u = {static_cast<uint32_t>(version_id), downloads};
}

DbDump DumpTables::join() {
  version_updates_.flush([this](const VersionUpdate& held) { apply(held); });
  downloads_updates_.flush([this](const DownloadsUpdate& held) { apply(held); });
  // Rows for versions that versions.csv lacks (deleted since) count for no one.
  const size_t versions = std::min(crate_of_version_.size(), downloads_of_version_.size());
  for (size_t v = 0; v < versions; ++v) {
    if (crate_of_version_[v] != kNoCrate)
      crates_[crate_of_version_[v]].downloads += downloads_of_version_[v];
  }
  std::vector<uint32_t>().swap(crate_of_version_);
  std::vector<uint64_t>().swap(downloads_of_version_);

  DbDump dump;
  for (const PinCandidate& pin : pin_candidates_) {
    const CrateState& crate = crates_[pin.crate_id];
    if (!pins_.contains({crate.name, pin.num})) continue;
    dump.pinned.push_back(
        {crate.name, pin.num, crate.downloads, pin.checksum ? to_hex(*pin.checksum) : ""});
  }
  std::sort(dump.pinned.begin(), dump.pinned.end(), [](const Crate& a, const Crate& b) {
    return std::tie(a.name, a.version) < std::tie(b.name, b.version);
  });

  // A version whose crate is not in crates.csv has no name to list it by.
  for (CrateState& crate : crates_) {
    if (crate.name.empty() || !crate.best.has_value()) continue;
    dump.crates.push_back({std::move(crate.name), crate.best.version(), crate.downloads,
                           crate.checksum ? to_hex(*crate.checksum) : ""});
  }
  std::vector<CrateState>().swap(crates_);
  std::sort(dump.crates.begin(), dump.crates.end(), [](const Crate& a, const Crate& b) {
    if (a.downloads != b.downloads) return a.downloads > b.downloads;
    return a.name < b.name;
  });
  return dump;
}

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveFree>;

[[noreturn]] void fail(const std::string& where, archive* a) {
  const char* why = archive_error_string(a);
  throw std::runtime_error(where + ": " + (why ? why : "unreadable archive"));
}

}  // namespace

DbDump read_db_dump(const std::filesystem::path& archive, const PinnedVersions& pinned_versions) {
  const std::string dump_name = archive.string();
  ArchiveReader a(archive_read_new());
  if (!a) throw std::runtime_error(dump_name + ": out of memory");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), dump_name.c_str(), size_t{1} << 20) != ARCHIVE_OK)
    fail(dump_name, a.get());

  DumpTables tables(pinned_versions);
  std::array<bool, kTableCount> seen{};
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    const char* path = archive_entry_pathname(entry);
    const auto table = table_of(path ? path : "");
    if (!table) continue;  // libarchive skips the entry's data
    const std::string file = dump_name + ": " + path;
    if (std::exchange(seen[*table], true)) throw std::runtime_error(file + ": a second copy");
    CsvReader reader = tables.reader(*table, file);
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((status = archive_read_data_block(a.get(), &block, &size, &offset)) == ARCHIVE_OK)
      reader.feed({static_cast<const char*>(block), size});
    if (status != ARCHIVE_EOF) fail(file + ":" + std::to_string(reader.line()), a.get());
    reader.finish();
  }
  if (status != ARCHIVE_EOF) fail(dump_name, a.get());
  for (uint8_t t = 0; t < kTableCount; ++t) {
    if (!seen[t])
      throw std::runtime_error(dump_name + ": no " + std::string(kTablePaths[t]) + " inside");
  }
  return tables.join();
}

}  // namespace catalogue
