#pragma once
// The file:// backend: one file per object under a root directory, written
// to a temporary name beside it (see temporary_file.h) and renamed into
// place.

#include <filesystem>

#include "store/store.h"

namespace store {

class FileStore : public Store {
 public:
  explicit FileStore(std::filesystem::path root);

  std::optional<std::string> get(std::string_view key) override;
  bool read(std::string_view key, const std::function<void(std::string_view)>& sink) override;
  std::optional<ObjectInfo> head(std::string_view key) override;
  std::vector<ObjectInfo> list(std::string_view prefix) override;
  void remove(std::string_view key) override;
  size_t remove_stale_temporaries(std::string_view prefix) override;
  std::string url() const override;

 protected:
  /// Ignores `content_type`: a file has none.
  std::unique_ptr<ObjectWriter> do_open_writer(std::string_view key,
                                               std::string_view content_type) override;

 private:
  std::filesystem::path path_of(std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace store
