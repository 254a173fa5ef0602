#include "registry/test_archive.h"

#include <archive_entry.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

#include "registry/test_crates.h"

namespace registry::testing {
namespace {

namespace fs = std::filesystem;

struct FreeEntry {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
using Entry = std::unique_ptr<archive_entry, FreeEntry>;

Entry new_entry(const std::string& name, mode_t type, mode_t mode) {
  Entry entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_filetype(entry.get(), type);
  archive_entry_set_perm(entry.get(), mode);
  archive_entry_set_mtime(entry.get(), 1'600'000'000, 0);
  return entry;
}

void check(archive* writer, int status) {
  if (status < ARCHIVE_WARN) throw std::runtime_error(archive_error_string(writer));
}

void write_entry(archive* writer, archive_entry* entry, std::string_view data = {}) {
  check(writer, archive_write_header(writer, entry));
  if (!data.empty()) {
    la_ssize_t n = archive_write_data(writer, data.data(), data.size());
    if (n != static_cast<la_ssize_t>(data.size())) check(writer, ARCHIVE_FATAL);
  }
}

}  // namespace

TarGzWriter::TarGzWriter(const fs::path& file, bool gzip) : writer_(archive_write_new()) {
  if (gzip) archive_write_add_filter_gzip(writer_);
  archive_write_set_format_pax_restricted(writer_);
  check(writer_, archive_write_open_filename(writer_, file.c_str()));
}

TarGzWriter::~TarGzWriter() {
  if (!closed_) archive_write_close(writer_);
  archive_write_free(writer_);
}

void TarGzWriter::close() {
  closed_ = true;
  check(writer_, archive_write_close(writer_));
}

void TarGzWriter::add_file(const std::string& name, std::string_view contents, mode_t mode) {
  Entry entry = new_entry(name, AE_IFREG, mode);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(contents.size()));
  write_entry(writer_, entry.get(), contents);
}

void TarGzWriter::add_directory(const std::string& name, mode_t mode) {
  write_entry(writer_, new_entry(name, AE_IFDIR, mode).get());
}

void TarGzWriter::add_symlink(const std::string& name, const std::string& target) {
  Entry entry = new_entry(name, AE_IFLNK, 0777);
  archive_entry_set_symlink(entry.get(), target.c_str());
  write_entry(writer_, entry.get());
}

void TarGzWriter::add_hard_link(const std::string& name, const std::string& existing) {
  Entry entry = new_entry(name, AE_IFREG, 0644);
  archive_entry_set_hardlink(entry.get(), existing.c_str());
  write_entry(writer_, entry.get());
}

void TarGzWriter::add_special(const std::string& name, mode_t type) {
  Entry entry = new_entry(name, type, 0644);
  archive_entry_set_rdev(entry.get(), makedev(1, 3));
  write_entry(writer_, entry.get());
}

void TarGzWriter::add_sparse_file(const std::string& name, std::string_view data,
                                  size_t apparent_size) {
  Entry entry = new_entry(name, AE_IFREG, 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(apparent_size));
  archive_entry_sparse_add_entry(entry.get(), 0, static_cast<la_int64_t>(data.size()));
  // The writer takes the whole logical file and stores only the data part.
  std::string logical(data);
  logical.resize(apparent_size, '\0');
  write_entry(writer_, entry.get(), logical);
}

void write_crate(const fs::path& dir, const std::string& top, const fs::path& crate_file) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  TarGzWriter writer(crate_file);
  for (const auto& path : paths) {
    std::string name = top + "/" + path.lexically_relative(dir).string();
    fs::file_status status = fs::symlink_status(path);
    if (fs::is_symlink(status)) {
      writer.add_symlink(name, fs::read_symlink(path).string());
    } else if (fs::is_directory(status)) {
      writer.add_directory(name);
    } else {
      writer.add_file(name, read_file(path), static_cast<mode_t>(status.permissions()) & 0777);
    }
  }
  writer.close();
}

}  // namespace registry::testing
