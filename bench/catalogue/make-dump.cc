// Writes a synthetic crates.io database dump (db-dump.tar.gz) for the
// catalogue benchmark: the real layout, columns and quoting, at a chosen
// scale, deterministic for a given seed (the gzip stream carries no time).
//
//   make-dump OUT.tar.gz [--crates N] [--versions N] [--downloads-rows N] [--seed N]
//
// Tar needs each entry's size before its data, so every table is generated
// twice from the same seed: once to count its bytes, once to write them.
// Nothing is held in memory but one row and a counter per crate.

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Scale {
  uint64_t crates = 1'000'000;
  uint64_t versions = 10'000'000;
  uint64_t downloads_rows = 30'000'000;
  uint64_t seed = 1;
};

constexpr std::string_view kPrefix = "2026-11-30-020000/";

/// splitmix64: tiny, fast, and the same on every machine.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return next() % n; }
  bool chance(unsigned percent_times_10) { return below(1000) < percent_times_10; }

 private:
  uint64_t state_;
};

constexpr std::array<std::string_view, 32> kWords = {
    "serde", "tokio", "async", "http",  "json",   "derive", "macro",  "core",
    "sys",   "rand",  "log",   "utils", "parser", "fast",   "simple", "tiny",
    "web",   "cli",   "db",    "crypt", "hash",   "net",    "io",     "time",
    "test",  "proto", "codec", "image", "audio",  "gpu",    "math",   "config"};

std::string crate_name(uint64_t id) {
  // Words for realism, the id in base 36 for uniqueness.
  std::string name(kWords[id % kWords.size()]);
  name += '-';
  name += kWords[(id / kWords.size() * 7 + 3) % kWords.size()];
  name += '-';
  for (uint64_t n = id; n; n /= 36) name += "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
  return name;
}

std::string timestamp(Random& r) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "20%02u-%02u-%02u %02u:%02u:%02u.%06u+00",
                static_cast<unsigned>(15 + r.below(12)), static_cast<unsigned>(1 + r.below(12)),
                static_cast<unsigned>(1 + r.below(28)), static_cast<unsigned>(r.below(24)),
                static_cast<unsigned>(r.below(60)), static_cast<unsigned>(r.below(60)),
                static_cast<unsigned>(r.below(1000000)));
  return buf;
}

/// A field as PostgreSQL's COPY CSV writes it: quoted when it must be.
void field(std::string& row, std::string_view value, bool last = false) {
  if (value.find_first_of(",\"\n\r") == std::string_view::npos) {
    row += value;
  } else {
    row += '"';
    for (char c : value) {
      if (c == '"') row += '"';
      row += c;
    }
    row += '"';
  }
  row += last ? '\n' : ',';
}

void number(std::string& row, uint64_t n, bool last = false) {
  field(row, std::to_string(n), last);
}

using Emit = std::function<void(std::string_view)>;

void crates_csv(const Scale& s, const Emit& emit) {
  Random r(s.seed * 1000 + 1);
  std::string row =
      "created_at,description,documentation,downloads,homepage,id,max_features,max_upload_size,"
      "name,readme,repository,updated_at\n";
  for (uint64_t id = 1; id <= s.crates; ++id) {
    const std::string name = crate_name(id);
    const std::string_view a = kWords[r.below(kWords.size())], b = kWords[r.below(kWords.size())];
    field(row, timestamp(r));
    // Descriptions with commas, quotes and now and then a line break.
    std::string description = "A " + std::string(a) + " library for " + std::string(b) +
                              ", with \"zero-cost\" " + std::string(kWords[id % 7]);
    if (r.chance(100)) description += ".\nSecond line, of " + std::to_string(r.below(100)) + ".";
    field(row, description);
    field(row, "https://docs.rs/" + name);
    number(row, r.below(1'000'000));
    field(row, r.chance(500) ? "https://github.com/someone/" + name : "");
    number(row, id);
    field(row, "");
    field(row, r.chance(10) ? "20971520" : "");
    field(row, name);
    // A README of a few hundred bytes, markdown with quotes, commas, CRLF.
    std::string readme =
        "# " + name + "\n\n" + description + "\r\n\n## Usage\n\n```toml\n[dependencies]\n" + name +
        " = \"" + std::to_string(r.below(5)) + "." + std::to_string(r.below(20)) + "\"\n```\n";
    for (uint64_t i = r.below(4); i > 0; --i)
      readme += "\n- " + std::string(kWords[r.below(kWords.size())]) + ", \"" +
                std::string(kWords[r.below(kWords.size())]) + "\" and more\n";
    field(row, r.chance(800) ? readme : "");
    field(row, "https://github.com/someone/" + name);
    field(row, timestamp(r), true);
    emit(row);
    row.clear();
  }
  emit(row);
}

/// The crate of version `id`: each crate gets one; of the rest, half go to
/// any crate and half mostly to the low ids, so some crates have thousands.
uint64_t crate_of_version(const Scale& s, uint64_t id, Random& r) {
  if (id <= s.crates) return (id * 7919) % s.crates + 1;
  const uint64_t u = r.below(s.crates);
  return r.chance(500) ? u * u / s.crates + 1 : u + 1;
}

void versions_csv(const Scale& s, const Emit& emit) {
  Random r(s.seed * 1000 + 2);
  std::vector<uint32_t> published(s.crates + 1);  // versions so far, per crate
  std::string row =
      "bin_names,checksum,crate_id,crate_size,created_at,downloads,features,has_lib,id,license,"
      "links,num,published_by,rust_version,updated_at,yanked\n";
  char checksum[65];
  for (uint64_t id = 1; id <= s.versions; ++id) {
    const uint64_t crate = crate_of_version(s, id, r);
    const uint32_t k = published[crate]++;
    field(row, r.chance(100) ? "{" + crate_name(crate) + "}" : "{}");
    for (int i = 0; i < 4; ++i) std::snprintf(checksum + 16 * i, 17, "%016" PRIx64, r.next());
    field(row, std::string_view(checksum, 64));
    number(row, crate);
    number(row, 1000 + r.below(5'000'000));
    field(row, timestamp(r));
    number(row, r.below(100'000));
    field(row, r.chance(300) ? R"({"default":["std"],"std":[],"serde":["dep:serde"]})" : "{}");
    field(row, r.chance(900) ? "t" : "f");
    number(row, id);
    field(row, r.chance(700) ? "MIT OR Apache-2.0" : "MIT");
    field(row, "");
    // Mostly releases in order; some pre-releases, a few with build metadata.
    std::string num =
        std::to_string(k / 50) + "." + std::to_string(k / 5 % 10) + "." + std::to_string(k % 5);
    if (r.chance(60)) num += (r.chance(500) ? "-alpha." : "-rc.") + std::to_string(r.below(12));
    if (r.chance(5)) num += "+build." + std::to_string(r.below(1000));
    field(row, num);
    number(row, r.below(200'000));
    field(row, r.chance(300) ? "1.70" : "");
    field(row, timestamp(r));
    field(row, r.chance(30) ? "t" : "f", true);
    emit(row);
    row.clear();
  }
  emit(row);
}

void version_downloads_csv(const Scale& s, const Emit& emit) {
  Random r(s.seed * 1000 + 3);
  std::string row = "date,downloads,version_id\n";
  const uint64_t per_day = s.downloads_rows / 90 + 1;
  char date[16];
  for (uint64_t i = 0; i < s.downloads_rows; ++i) {
    const uint64_t day = i / per_day;  // 2026-09-01 onwards
    std::snprintf(date, sizeof date, "2026-%02u-%02u", static_cast<unsigned>(9 + day / 30),
                  static_cast<unsigned>(1 + day % 30));
    field(row, date);
    number(row, 1 + r.below(r.chance(50) ? 100'000 : 100));
    number(row, 1 + r.below(s.versions), true);
    emit(row);
    row.clear();
  }
  emit(row);
}

void crate_owners_csv(const Scale& s, const Emit& emit) {
  Random r(s.seed * 1000 + 4);
  std::string row = "crate_id,created_at,created_by,owner_id,owner_kind\n";
  for (uint64_t id = 1; id <= s.crates; ++id) {
    number(row, id);
    field(row, timestamp(r));
    field(row, "");
    number(row, r.below(100'000));
    number(row, 0, true);
    emit(row);
    row.clear();
  }
  emit(row);
}

struct Table {
  std::string path;
  std::function<void(const Scale&, const Emit&)> generate;
};

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

void check(archive* a, int status, const char* what) {
  if (status < ARCHIVE_WARN)
    throw std::runtime_error(std::string(what) + ": " + archive_error_string(a));
}

void write_dump(const char* out, const Scale& s) {
  const std::string p(kPrefix);
  const std::string readme = "# crates.io database dump (synthetic, for benchmarks)\n";
  const std::string metadata =
      R"({"timestamp":"2026-11-30T02:00:00Z","crates_io_commit":"synthetic"})"
      "\n";
  // The real dump's order: alphabetical, so version_downloads before versions.
  const std::vector<Table> tables = {
      {p + "README.md", [&](const Scale&, const Emit& e) { e(readme); }},
      {p + "data/crate_owners.csv", crate_owners_csv},
      {p + "data/crates.csv", crates_csv},
      {p + "data/version_downloads.csv", version_downloads_csv},
      {p + "data/versions.csv", versions_csv},
      {p + "metadata.json", [&](const Scale&, const Emit& e) { e(metadata); }},
  };
  std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
  check(a.get(), archive_write_set_format_pax_restricted(a.get()), "tar format");
  check(a.get(), archive_write_add_filter_gzip(a.get()), "gzip filter");
  check(a.get(), archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr),
        "gzip timestamp");
  check(a.get(), archive_write_open_filename(a.get(), out), out);
  for (const Table& t : tables) {
    uint64_t size = 0;
    t.generate(s, [&](std::string_view bytes) { size += bytes.size(); });
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                        archive_entry_free);
    archive_entry_set_pathname(entry.get(), t.path.c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_mtime(entry.get(), 1'796'004'000, 0);
    check(a.get(), archive_write_header(a.get(), entry.get()), t.path.c_str());
    t.generate(s, [&](std::string_view bytes) {
      if (!bytes.empty() && archive_write_data(a.get(), bytes.data(), bytes.size()) < 0)
        check(a.get(), ARCHIVE_FATAL, t.path.c_str());
    });
    std::fprintf(stderr, "make-dump: %s: %" PRIu64 " bytes\n", t.path.c_str(), size);
  }
  check(a.get(), archive_write_close(a.get()), out);
}

}  // namespace

int main(int argc, char** argv) {
  Scale s;
  const char* out = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> uint64_t {
      if (i + 1 >= argc) throw std::runtime_error(std::string(arg) + " needs a value");
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (arg == "--crates")
      s.crates = value();
    else if (arg == "--versions")
      s.versions = value();
    else if (arg == "--downloads-rows")
      s.downloads_rows = value();
    else if (arg == "--seed")
      s.seed = value();
    else if (!out && arg[0] != '-')
      out = argv[i];
    else {
      std::fprintf(stderr,
                   "usage: make-dump OUT.tar.gz [--crates N] [--versions N] [--downloads-rows N] "
                   "[--seed N]\n");
      return 2;
    }
  }
  if (!out || s.crates == 0 || s.versions < s.crates) {
    std::fprintf(stderr, "make-dump: need OUT, and at least as many versions as crates\n");
    return 2;
  }
  try {
    write_dump(out, s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make-dump: %s\n", e.what());
    return 1;
  }
  return 0;
}
