// The s3:// store's side of bench/s3/run: uploads what the AWS CLI uploads
// in the same run, through the same APIs crater-at-home uses.
//
//   put_bench small DIR s3://BUCKET/PREFIX   every file of DIR, by
//       S3Store::put_many (S3StoreOptions::parallel_puts in flight), each
//       under PREFIX/FILENAME
//   put_bench big FILE s3://BUCKET/PREFIX KEY   FILE through an ObjectWriter
//       (Store::open_writer), written 1 MiB at a time: a multipart upload
//       sent part by part as it grows
//
// Prints "SECONDS BYTES OBJECTS" for the upload alone (reading the inputs
// excluded); the script times the whole command too.

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/s3_store.h"
#include "store/store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int put_small(const fs::path& dir, const std::string& url) {
  std::vector<std::pair<std::string, std::string>> objects;
  size_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    objects.emplace_back(entry.path().filename().string(), read_file(entry.path()));
    bytes += objects.back().second.size();
  }
  const auto store = store::open_store(url);
  auto* s3 = dynamic_cast<store::S3Store*>(store.get());
  if (s3 == nullptr) throw std::runtime_error(url + " is not an s3:// store");
  const auto start = Clock::now();
  s3->put_many(objects, "application/octet-stream");
  std::printf("%.3f %zu %zu\n", seconds_since(start), bytes, objects.size());
  return 0;
}

int put_big(const fs::path& file, const std::string& url, const std::string& key) {
  const auto store = store::open_store(url);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::string chunk(size_t{1} << 20, '\0');
  const auto start = Clock::now();
  const auto writer = store->open_writer(key, "application/octet-stream");
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    writer->write(std::string_view(chunk.data(), static_cast<size_t>(in.gcount())));
  }
  writer->commit();
  std::printf("%.3f %llu 1\n", seconds_since(start),
              static_cast<unsigned long long>(writer->bytes_written()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 3 && args[0] == "small") return put_small(args[1], args[2]);
    if (args.size() == 4 && args[0] == "big") return put_big(args[1], args[2], args[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "put_bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: put_bench small DIR s3://BUCKET/PREFIX\n"
               "       put_bench big FILE s3://BUCKET/PREFIX KEY\n");
  return 2;
}
