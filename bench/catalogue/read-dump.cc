// The catalogue library alone on a db-dump: read_db_dump, then one line per
// crate on stdout (name, version, downloads, checksum). `run` times it beside
// `crater-at-home crates --db-dump` to tell the library's cost from the CLI's.
// With --decompress-only it just reads every entry through libarchive, as
// read_db_dump does, and parses nothing: the floor for reading the dump.
//
//   read-dump [--decompress-only] DB-DUMP.tar.gz > /dev/null

#include <archive.h>
#include <archive_entry.h>

#include <cinttypes>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "catalogue/db_dump.h"

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

uint64_t decompress(const char* file) {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  auto check = [&](int status) {
    if (status < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(a.get()));
  };
  check(archive_read_open_filename(a.get(), file, size_t{1} << 20));
  uint64_t bytes = 0;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((status = archive_read_data_block(a.get(), &block, &size, &offset)) == ARCHIVE_OK)
      bytes += size;
    if (status != ARCHIVE_EOF) check(ARCHIVE_FATAL);
  }
  if (status != ARCHIVE_EOF) check(ARCHIVE_FATAL);
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  const bool decompress_only = argc == 3 && std::string_view(argv[1]) == "--decompress-only";
  if (argc != 2 && !decompress_only) {
    std::fprintf(stderr, "usage: read-dump [--decompress-only] DB-DUMP.tar.gz\n");
    return 2;
  }
  try {
    if (decompress_only) {
      std::fprintf(stderr, "read-dump: %" PRIu64 " bytes\n", decompress(argv[2]));
      return 0;
    }
    const catalogue::DbDump dump = catalogue::read_db_dump(argv[1]);
    for (const auto& crate : dump.crates) {
      std::printf("%s %s %" PRIu64 " %s\n", crate.name.c_str(), crate.version.c_str(),
                  crate.downloads, crate.checksum.c_str());
    }
    std::fprintf(stderr, "read-dump: %zu crates\n", dump.crates.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "read-dump: %s\n", e.what());
    return 1;
  }
  return 0;
}
