// `run` and `sync` end to end against S3: the same test crates through the
// same Docker workers into a file:// store and an s3:// one (the throw-away
// radosgw of scripts/start-s3) leave the same keys, and the same raw logs
// give the same pages; an S3 that answers 503 SlowDown or drops connections
// costs nothing. The AWS CLI (/usr/bin/aws, straight to radosgw) reads back
// what we wrote, as an independent client. Every test has its own worker
// prefix, temporary folder and S3 prefix: ctest runs them in parallel, and a
// second run of the suite never meets the first one's objects.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "testing/e2e.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const fs::path kSourceDir = CAH_SOURCE_DIR;
const fs::path kTools = kSourceDir / "tools.toml";
const fs::path kFaultProxy = kSourceDir / "src/store/s3_fault_proxy.py";
/// Debian's AWS CLI: another `aws` may come first on PATH.
const char* const kAws = "/usr/bin/aws";
const std::string kTool = "check";

using e2e::Child;
using e2e::ChildOptions;
using e2e::Environment;
using e2e::eventually;
using e2e::Finished;
using e2e::getenv_or_empty;
using e2e::read_file;
using e2e::run_to_end;
using e2e::ScratchDir;
using e2e::unique_name;
using e2e::WorkerPrefix;
using e2e::write_file;

// --- S3 through the AWS CLI --------------------------------------------------

/// The server of scripts/start-s3, from the environment it prints.
struct S3Server {
  std::string endpoint;  // http://127.0.0.1:PORT
  std::string bucket;
  std::string base_prefix;  // "" or ending in '/'

  static std::optional<S3Server> from_environment() {
    const std::string url = getenv_or_empty("CAH_TEST_S3_URL");
    const std::string endpoint = getenv_or_empty("AWS_ENDPOINT_URL");
    if (!url.starts_with("s3://") || endpoint.empty()) return std::nullopt;
    const std::string rest = url.substr(5);
    const size_t slash = rest.find('/');
    S3Server server{.endpoint = endpoint, .bucket = rest.substr(0, slash)};
    if (slash != std::string::npos && slash + 1 < rest.size()) {
      server.base_prefix = rest.substr(slash + 1);
      if (!server.base_prefix.ends_with('/')) server.base_prefix += '/';
    }
    return server;
  }

  /// The port of an http://127.0.0.1:PORT endpoint, which the fault proxy
  /// can stand in front of; nullopt for any other endpoint.
  std::optional<int> loopback_port() const {
    constexpr std::string_view kLoopback = "http://127.0.0.1:";
    if (!endpoint.starts_with(kLoopback)) return std::nullopt;
    std::string port = endpoint.substr(kLoopback.size());
    if (port.ends_with('/')) port.pop_back();
    if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoi(port);
  }
};

/// /usr/bin/aws against the server itself, never through a proxy.
class Aws {
 public:
  Aws(S3Server server, fs::path scratch)
      : server_(std::move(server)), scratch_(std::move(scratch)) {
    fs::create_directories(scratch_);
  }

  /// Runs `aws ARGS...`; a failure fails the test with what it said.
  std::string run(std::vector<std::string> args) {
    std::vector<std::string> argv{kAws, "--endpoint-url", server_.endpoint, "--output", "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    const Finished done =
        run_to_end(argv, scratch_ / unique_name("aws"), {{"AWS_PAGER", ""}}, seconds(300));
    std::string command;
    for (const auto& arg : argv) command += arg + " ";
    EXPECT_EQ(done.status, 0) << command << "\n" << done.err << done.out;
    return done.out;
  }

  /// Key (less `prefix`) and size of every object under `prefix`.
  std::map<std::string, uint64_t> list(const std::string& prefix) {
    const std::string text =
        run({"s3api", "list-objects-v2", "--bucket", server_.bucket, "--prefix", prefix});
    std::map<std::string, uint64_t> objects;
    if (text.find_first_not_of(" \n") == std::string::npos) return objects;  // none
    for (const json& object : json::parse(text).value("Contents", json::array())) {
      objects[object.at("Key").get<std::string>().substr(prefix.size())] =
          object.at("Size").get<uint64_t>();
    }
    return objects;
  }

  /// Multipart uploads begun and neither completed nor aborted.
  size_t open_uploads(const std::string& prefix) {
    const std::string text =
        run({"s3api", "list-multipart-uploads", "--bucket", server_.bucket, "--prefix", prefix});
    if (text.find_first_not_of(" \n") == std::string::npos) return 0;
    return json::parse(text).value("Uploads", json::array()).size();
  }

  /// Every object under `prefix` into `dir`, as files named by their keys.
  void download(const std::string& prefix, const fs::path& dir) {
    run({"s3", "cp", "--recursive", "--quiet", url(prefix), dir.string() + "/"});
  }

  std::string get(const std::string& key, const fs::path& file) {
    run({"s3api", "get-object", "--bucket", server_.bucket, "--key", key, file.string()});
    return read_file(file);
  }

  void put(const std::string& key, const fs::path& file, const std::string& content_type) {
    run({"s3api", "put-object", "--bucket", server_.bucket, "--key", key, "--body", file.string(),
         "--content-type", content_type});
  }

  /// The Content-Type of each key, asked a few at a time (each `aws` is
  /// most of a second of CPU).
  std::map<std::string, std::string> content_types(const std::vector<std::string>& keys) {
    constexpr size_t kAtOnce = 4;
    std::map<std::string, std::string> types;
    for (size_t first = 0; first < keys.size(); first += kAtOnce) {
      std::vector<std::pair<std::string, std::unique_ptr<Child>>> heads;
      for (size_t i = first; i < std::min(keys.size(), first + kAtOnce); ++i) {
        const fs::path out = scratch_ / unique_name("head");
        heads.emplace_back(
            keys[i], std::make_unique<Child>(
                         std::vector<std::string>{kAws, "--endpoint-url", server_.endpoint,
                                                  "--output", "json", "s3api", "head-object",
                                                  "--bucket", server_.bucket, "--key", keys[i]},
                         ChildOptions{.stdout_file = out.string() + ".out",
                                      .stderr_file = out.string() + ".err",
                                      .env = {{"AWS_PAGER", ""}}}));
      }
      for (auto& [key, head] : heads) {
        EXPECT_EQ(head->wait(seconds(120)), 0) << key << "\n" << head->said();
        try {
          types[key] = json::parse(head->out()).value("ContentType", "");
        } catch (const json::exception& e) {
          ADD_FAILURE() << "head-object " << key << ": " << e.what() << "\n" << head->said();
        }
      }
    }
    return types;
  }

  void remove_all(const std::string& prefix) {
    run({"s3", "rm", "--recursive", "--quiet", url(prefix)});
  }

  std::string url(const std::string& prefix) const {
    return "s3://" + server_.bucket + "/" + prefix;
  }

 private:
  S3Server server_;
  fs::path scratch_;
};

/// A prefix of the bucket for one test: unique per process, test and
/// moment, so a rerun of the suite never sees an earlier run's objects.
/// Emptied at the end unless the test failed (what it holds then helps).
class S3Prefix {
 public:
  S3Prefix(Aws& aws, const S3Server& server, std::string_view what)
      : aws_(aws),
        name_(server.base_prefix + "run-s3-test/" + unique_name(what) + "-" +
              std::to_string(std::chrono::system_clock::now().time_since_epoch() /
                             std::chrono::milliseconds(1)) +
              "/") {}
  ~S3Prefix() {
    try {
      if (::testing::Test::HasFailure()) {
        std::fprintf(stderr, "run_s3_test: kept %s for a look\n", aws_.url(name_).c_str());
      } else {
        aws_.remove_all(name_);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "run_s3_test: cannot empty %s: %s\n", name_.c_str(), e.what());
    }
  }
  S3Prefix(const S3Prefix&) = delete;
  S3Prefix& operator=(const S3Prefix&) = delete;

  /// "base/run-s3-test/WHAT-PID-N-MS/": what the bucket's keys start with.
  const std::string& name() const { return name_; }
  /// The store's URL: s3://BUCKET/PREFIX, without the trailing '/'.
  std::string store_url() const {
    const std::string url = aws_.url(name_);
    return url.substr(0, url.size() - 1);
  }

 private:
  Aws& aws_;
  std::string name_;
};

/// s3_fault_proxy.py in front of the server, failing on purpose in `mode`
/// (see the script); killed at the end.
class FaultProxy {
 public:
  FaultProxy(int upstream_port, const std::string& mode, const fs::path& output_prefix)
      : process_({"python3", kFaultProxy.string(), std::to_string(upstream_port), mode},
                 {.stdout_file = output_prefix.string() + ".out",
                  .stderr_file = output_prefix.string() + ".err"}) {
    std::string said;
    eventually(
        [&] {
          said = process_.out();
          return said.ends_with('\n');
        },
        seconds(20));
    if (!said.ends_with('\n')) throw std::runtime_error("the fault proxy did not start: " + said);
    endpoint_ = "http://127.0.0.1:" + said.substr(0, said.size() - 1);
  }

  /// What AWS_ENDPOINT_URL must say to go through the proxy.
  const std::string& endpoint() const { return endpoint_; }

 private:
  Child process_;
  std::string endpoint_;
};

// --- stores and crates ---------------------------------------------------------

/// Key (relative to `root`) and path of every file under `root`: a file
/// store, or a download of an S3 prefix.
std::map<std::string, fs::path> files_under(const fs::path& root) {
  std::map<std::string, fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
    if (entry.is_regular_file()) files[entry.path().lexically_relative(root).string()] = entry;
  }
  return files;
}

template <typename Map>
std::set<std::string> keys_of(const Map& map) {
  std::set<std::string> keys;
  for (const auto& [key, value] : map) keys.insert(key);
  return keys;
}

std::string describe(const std::set<std::string>& keys) {
  std::string text;
  for (const auto& key : keys) text += "  " + key + "\n";
  return text;
}

struct TestCrate {
  std::string name;
  std::string source;  // a folder of tests/crates
  std::string version;
};

/// Two that pass `check`, one that fails it (its build script writes
/// outside /build), and a version whose '+' S3 keys must encode.
const std::vector<TestCrate> kCrates = {
    {"cah-hello", "cah-hello", "0.1.0"},
    {"cah-heap-overflow", "cah-heap-overflow", "0.1.0"},
    {"cah-write-outside", "cah-write-outside", "0.1.0"},
    {"cah-plus", "cah-hello", "1.0.0-rc.1+cah.5"},
};

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no " + from + " in:\n" + text);
  text.replace(at, from.size(), to);
}

/// A directory registry of our test crates: NAME-VERSION/ holds a copy of
/// tests/crates/SOURCE renamed and versioned in its manifest, plus the
/// .cargo-checksum.json cargo wants of every folder of a directory source.
fs::path make_registry(const fs::path& root) {
  for (const TestCrate& crate : kCrates) {
    const fs::path folder = root / (crate.name + "-" + crate.version);
    fs::create_directories(folder);
    fs::copy(kSourceDir / "tests/crates" / crate.source, folder, fs::copy_options::recursive);
    std::string manifest = read_file(folder / "Cargo.toml");
    replace_once(manifest, "name = \"" + crate.source + "\"", "name = \"" + crate.name + "\"");
    replace_once(manifest, "version = \"0.1.0\"", "version = \"" + crate.version + "\"");
    write_file(folder / "Cargo.toml", manifest);
    write_file(folder / ".cargo-checksum.json", R"({"files":{},"package":""})");
  }
  return root;
}

std::vector<std::string> run_args(const fs::path& registry, const std::string& store,
                                  const WorkerPrefix& workers) {
  return {CAH_BINARY, "run", "--tool=" + kTool, "--tools", kTools.string(), "--registry",
          registry.string(), "--store", store, "--worker-prefix", workers.name(), "--jobs", "2",
          "--memory-limit-gb", "2",
          // Each run's own package cache, gone with the test's registry.
          "--cache", registry.string() + "-cache-" + workers.name()};
}

std::vector<std::string> sync_args(const fs::path& registry, const std::string& store,
                                   bool force = false) {
  std::vector<std::string> args{
      CAH_BINARY, "sync", "--tool=" + kTool, "--registry", registry.string(), "--store", store};
  if (force) args.emplace_back("--force");
  return args;
}

/// The crater-at-home environment for a store behind `endpoint`: only the
/// endpoint differs from ours, and nothing may override it.
Environment through(const std::string& endpoint) {
  return {{"AWS_ENDPOINT_URL", endpoint},
          {"AWS_ENDPOINT_URL_S3", std::nullopt},
          {"AWS_MAX_ATTEMPTS", std::nullopt}};
}

/// `run` then `sync` into `store`; both must exit 0.
void run_and_sync(const fs::path& registry, const std::string& store, const fs::path& scratch,
                  const std::string& tag, const Environment& run_env = {},
                  const Environment& sync_env = {}) {
  const WorkerPrefix workers("cah-s3t");
  Environment env = run_env;
  env.emplace("CAH_LOG", std::nullopt);  // the default log level: progress lines only
  const Finished run =
      run_to_end(run_args(registry, store, workers), scratch / (tag + "-run"), env, seconds(300));
  ASSERT_EQ(run.status, 0) << store << "\nstderr:\n" << run.err << "\nstdout:\n" << run.out;
  EXPECT_NE(run.err.find("check on " + std::to_string(kCrates.size()) + " crates"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("warning"), std::string::npos) << run.err;
  const Finished sync = run_to_end(sync_args(registry, store), scratch / (tag + "-sync"), sync_env);
  ASSERT_EQ(sync.status, 0) << store << "\nstderr:\n" << sync.err << "\nstdout:\n" << sync.out;
  EXPECT_EQ(sync.err.find("warning"), std::string::npos) << sync.err;
}

/// What a key of the store should be served as; the S3 backend keeps it.
/// Spaces after ';' are dropped before comparing (log pages say
/// "text/html;charset=utf-8", the site's pages "text/html; charset=utf-8").
std::string expected_content_type(const std::string& key) {
  const std::string root = kTool + "/";
  if (key.starts_with(root + "raw/")) return "text/plain;charset=utf-8";
  if (key.starts_with(root + "logs/")) return "text/html;charset=utf-8";
  if (key.ends_with(".json")) return "application/json";
  if (key.ends_with(".tar.xz")) return "application/x-xz";
  if (key.starts_with(root + "lists/")) return "application/json";
  for (const char* page : {"index.html", "summary.html", "list.html", "ub", "403"}) {
    if (key == root + page) return "text/html;charset=utf-8";
  }
  return "(no expectation for this key)";
}

std::string without_spaces(std::string text) {
  std::erase(text, ' ');
  return text;
}

/// Every object of the S3 prefix (downloaded to `dir`) against what the
/// listing says of it; each record against its raw log.
void expect_objects_whole(const std::map<std::string, uint64_t>& listed, const fs::path& dir) {
  const auto files = files_under(dir);
  EXPECT_EQ(describe(keys_of(files)), describe(keys_of(listed)))
      << "aws s3 cp --recursive did not fetch what list-objects-v2 lists";
  for (const auto& [key, size] : listed) {
    if (!files.contains(key)) continue;
    EXPECT_EQ(fs::file_size(files.at(key)), size) << key;
  }
  for (const TestCrate& crate : kCrates) {
    SCOPED_TRACE(crate.name);
    const fs::path record_file = dir / kTool / "results" / crate.name / (crate.version + ".json");
    ASSERT_TRUE(fs::exists(record_file)) << record_file;
    const json record = json::parse(read_file(record_file));
    EXPECT_EQ(record["crate"], crate.name);
    EXPECT_EQ(record["version"], crate.version);
    EXPECT_EQ(record["attempts"], 1);
    const fs::path raw = dir / kTool / "raw" / crate.name / crate.version;
    EXPECT_EQ(record["log_bytes"], fs::file_size(raw));
    EXPECT_TRUE(read_file(dir / kTool / "logs" / crate.name / crate.version)
                    .starts_with("<!DOCTYPE html>"));
  }
}

/// T/raw.tar.xz and T/html.tar.xz of the store in `dir` hold exactly its
/// raw logs and pages, byte for byte.
void expect_archives_match(const fs::path& dir, const fs::path& scratch) {
  for (const auto& [archive, folder, suffix] :
       {std::tuple{"raw.tar.xz", "raw", ""}, std::tuple{"html.tar.xz", "logs", ".html"}}) {
    SCOPED_TRACE(archive);
    const fs::path unpacked = scratch / unique_name("unpacked");
    fs::create_directories(unpacked);
    const Finished tar = run_to_end(
        {"tar", "-xJf", (dir / kTool / archive).string(), "-C", unpacked.string()}, unpacked);
    ASSERT_EQ(tar.status, 0) << tar.err;
    std::map<std::string, fs::path> expected;
    for (const auto& [key, path] : files_under(dir / kTool / folder)) expected[key + suffix] = path;
    const auto found = files_under(unpacked);
    EXPECT_EQ(describe(keys_of(found)), describe(keys_of(expected)));
    for (const auto& [name, path] : found) {
      if (!expected.contains(name)) continue;
      EXPECT_TRUE(read_file(path) == read_file(expected.at(name))) << name;
    }
  }
}

/// The pages, records and site in the store downloaded to `dir` are what
/// its raw logs and records give when a file:// store renders, diagnoses
/// and publishes them again (`sync --force` on a copy), byte for byte.
/// Only sync-state.json (times of objects) and the archives (times of their
/// entries) may differ; expect_archives_match checks those.
void expect_same_as_rebuilt(const fs::path& dir, const fs::path& registry,
                            const fs::path& scratch) {
  const fs::path copy = scratch / unique_name("rebuilt");
  fs::copy(dir, copy, fs::copy_options::recursive);
  const Finished sync =
      run_to_end(sync_args(registry, "file://" + copy.string(), true), scratch / "rebuild-sync");
  ASSERT_EQ(sync.status, 0) << sync.err << sync.out;
  const auto held = files_under(dir);
  const auto rebuilt = files_under(copy);
  ASSERT_EQ(describe(keys_of(rebuilt)), describe(keys_of(held)));
  size_t compared = 0;
  for (const auto& [key, path] : held) {
    if (key == kTool + "/sync-state.json" || key.ends_with(".tar.xz")) continue;
    EXPECT_TRUE(read_file(path) == read_file(rebuilt.at(key)))
        << key << " is not what its raw log and record give in a file:// store";
    ++compared;
  }
  EXPECT_GE(compared, 3 * kCrates.size() + 4);
}

// --- the tests ------------------------------------------------------------------

class RunS3 : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = S3Server::from_environment();
    if (!server_) {
      if (getenv_or_empty("CAH_ALLOW_NO_S3") == "1")
        GTEST_SKIP() << "CAH_TEST_S3_URL or AWS_ENDPOINT_URL unset and CAH_ALLOW_NO_S3=1";
      FAIL() << "CAH_TEST_S3_URL and AWS_ENDPOINT_URL must name an S3 server: run "
                "`eval \"$(scripts/start-s3)\"` first (scripts/test does), or set "
                "CAH_ALLOW_NO_S3=1 to skip these tests";
    }
    ASSERT_TRUE(fs::exists(kAws)) << kAws << " (Debian's awscli) is needed to read S3 back";
    aws_.emplace(*server_, scratch_ / "aws");
  }

  const ScratchDir scratch_{"cah-run-s3-test"};
  std::optional<S3Server> server_;
  std::optional<Aws> aws_;
};

// The same crates into file:// and s3://: the same keys, each readable by
// the AWS CLI, with the content type its kind is served as; and one fixed
// raw log published by `sync --force` in both gives byte-identical pages.
TEST_F(RunS3, SameKeysAsFileStore) {
  const fs::path registry = make_registry(scratch_ / "registry");
  const fs::path file_store = scratch_ / "file-store";
  const std::string file_url = "file://" + file_store.string();
  const S3Prefix prefix(*aws_, *server_, "same-keys");

  ASSERT_NO_FATAL_FAILURE(run_and_sync(registry, file_url, scratch_ / "logs", "file"));
  ASSERT_NO_FATAL_FAILURE(run_and_sync(registry, prefix.store_url(), scratch_ / "logs", "s3"));

  // Keys, not contents: timings make every run's logs differ ("Finished
  // ... in 0.38s"), and sync-state.json records the objects' times.
  const auto in_files = files_under(file_store);
  ASSERT_TRUE(in_files.contains("crates.json")) << describe(keys_of(in_files));
  ASSERT_TRUE(in_files.contains(kTool + "/html.tar.xz")) << describe(keys_of(in_files));
  // Raw log, page and record of each crate; the site's pages, archives and
  // state; one slice of crates per outcome list.
  const auto slices =
      static_cast<size_t>(std::count_if(in_files.begin(), in_files.end(), [](const auto& entry) {
        return entry.first.starts_with(kTool + "/lists/");
      }));
  EXPECT_GE(slices, 2u) << describe(keys_of(in_files));
  EXPECT_EQ(in_files.size(), 3 * kCrates.size() + 11 + slices) << describe(keys_of(in_files));
  EXPECT_EQ(describe(keys_of(aws_->list(prefix.name()))), describe(keys_of(in_files)));
  EXPECT_EQ(aws_->open_uploads(prefix.name()), 0u);

  // Each backend gave each crate the same outcome and diagnosis.
  for (const TestCrate& crate : kCrates) {
    const std::string key = kTool + "/results/" + crate.name + "/" + crate.version + ".json";
    const json from_file = json::parse(read_file(file_store / key));
    const json from_s3 = json::parse(aws_->get(prefix.name() + key, scratch_ / unique_name("get")));
    EXPECT_EQ(from_s3["outcome"], from_file["outcome"]) << key;
    EXPECT_EQ(from_s3["causes"], from_file["causes"]) << key;
  }
  const std::string write_outside = kTool + "/results/cah-write-outside/0.1.0.json";
  const json failed_record = json::parse(read_file(file_store / write_outside));
  EXPECT_EQ(failed_record["outcome"], "build-failed") << failed_record.dump(2);

  // One fixed raw log (a real ASan run's) and a record copied from a real
  // run, put into both stores as x 1.0.0, then published again by both.
  const std::string raw = read_file(kSourceDir / "src/diagnosis/testdata/asan-heap-overflow.raw");
  ASSERT_FALSE(raw.empty());
  json record = failed_record;
  record["crate"] = "x";
  record["version"] = "1.0.0";
  record["log_bytes"] = raw.size();
  record.erase("diagnosis_version");  // never diagnosed: sync reads the log
  const std::string raw_key = kTool + "/raw/x/1.0.0";
  const std::string record_key = kTool + "/results/x/1.0.0.json";
  write_file(file_store / raw_key, raw);
  write_file(file_store / record_key, record.dump(2));
  write_file(scratch_ / "x-raw", raw);
  write_file(scratch_ / "x-record", record.dump(2));
  aws_->put(prefix.name() + raw_key, scratch_ / "x-raw", "text/plain; charset=utf-8");
  aws_->put(prefix.name() + record_key, scratch_ / "x-record", "application/json");
  for (const std::string& store : {file_url, prefix.store_url()}) {
    const Finished sync =
        run_to_end(sync_args(registry, store, true), scratch_ / unique_name("force-sync"));
    ASSERT_EQ(sync.status, 0) << store << "\n" << sync.err << sync.out;
  }

  const fs::path downloaded = scratch_ / "downloaded";
  aws_->download(prefix.name(), downloaded);
  const auto listed = aws_->list(prefix.name());
  EXPECT_EQ(describe(keys_of(listed)), describe(keys_of(files_under(file_store))));
  ASSERT_NO_FATAL_FAILURE(expect_objects_whole(listed, downloaded));
  for (const std::string& key :
       {kTool + "/logs/x/1.0.0", kTool + "/results/x/1.0.0.json", kTool + "/ub"}) {
    ASSERT_TRUE(fs::exists(downloaded / key)) << key;
    EXPECT_TRUE(read_file(downloaded / key) == read_file(file_store / key))
        << key << " differs between file:// and s3:// for the same inputs";
  }
  // The fixed log is an ASan run's: x is the findings page's one crate.
  const std::string findings = read_file(downloaded / kTool / "ub");
  EXPECT_NE(findings.find("href=\"logs/x/1.0.0\""), std::string::npos) << findings;
  EXPECT_NE(findings.find("heap-buffer-overflow"), std::string::npos) << findings;

  std::vector<std::string> keys;
  keys.reserve(listed.size());
  for (const auto& [key, size] : listed) keys.push_back(prefix.name() + key);
  const auto types = aws_->content_types(keys);
  for (const auto& [key, size] : listed) {
    const std::string full = prefix.name() + key;
    ASSERT_TRUE(types.contains(full)) << full;
    EXPECT_EQ(without_spaces(types.at(full)), expected_content_type(key)) << key;
  }

  expect_archives_match(downloaded, scratch_.path());
  expect_same_as_rebuilt(downloaded, registry, scratch_.path());
}

struct Faults {
  std::string run_mode;   // s3_fault_proxy.py's MODE for `run`
  std::string sync_mode;  // and for `sync`
};

void PrintTo(const Faults& faults, std::ostream* out) {
  *out << "run through " << faults.run_mode << ", sync through " << faults.sync_mode;
}

class RunS3Faults : public RunS3, public ::testing::WithParamInterface<Faults> {};

// `run` and `sync` through s3_fault_proxy.py, which answers every other
// request 503 SlowDown in one mode and drops every other connection
// unanswered in the other: both exit 0, and radosgw itself (read without
// the proxy) holds every object the file:// run made, whole, with pages
// and records byte-identical to what its raw logs give.
TEST_P(RunS3Faults, SurvivesAFlakyS3) {
  const std::optional<int> upstream = server_->loopback_port();
  ASSERT_TRUE(upstream) << "the fault proxy needs AWS_ENDPOINT_URL=http://127.0.0.1:PORT, not "
                        << server_->endpoint;
  const fs::path registry = make_registry(scratch_ / "registry");
  const fs::path file_store = scratch_ / "file-store";
  const S3Prefix prefix(*aws_, *server_, "flaky");
  const FaultProxy run_proxy(*upstream, GetParam().run_mode, scratch_ / "run-proxy");
  const FaultProxy sync_proxy(*upstream, GetParam().sync_mode, scratch_ / "sync-proxy");

  ASSERT_NO_FATAL_FAILURE(
      run_and_sync(registry, "file://" + file_store.string(), scratch_ / "logs", "file"));
  ASSERT_NO_FATAL_FAILURE(run_and_sync(registry, prefix.store_url(), scratch_ / "logs", "s3",
                                       through(run_proxy.endpoint()),
                                       through(sync_proxy.endpoint())));

  const auto listed = aws_->list(prefix.name());
  EXPECT_EQ(describe(keys_of(listed)), describe(keys_of(files_under(file_store))))
      << "objects lost or added on the way through the proxy";
  EXPECT_EQ(aws_->open_uploads(prefix.name()), 0u);
  const fs::path downloaded = scratch_ / "downloaded";
  aws_->download(prefix.name(), downloaded);
  ASSERT_NO_FATAL_FAILURE(expect_objects_whole(listed, downloaded));
  expect_archives_match(downloaded, scratch_.path());
  expect_same_as_rebuilt(downloaded, registry, scratch_.path());
}

INSTANTIATE_TEST_SUITE_P(
    ProxyModes, RunS3Faults,
    ::testing::Values(Faults{"slowdown", "reset"}, Faults{"reset", "slowdown"}),
    [](const ::testing::TestParamInfo<Faults>& info) {
      return "Run" + std::string(info.param.run_mode == "reset" ? "Reset" : "SlowDown") + "Sync" +
             (info.param.sync_mode == "reset" ? "Reset" : "SlowDown");
    });

// The control for the test above: an S3 that never recovers is an error
// after the tries run out, naming the object and no credential. It also
// shows that AWS_ENDPOINT_URL does send the commands through the proxy.
TEST_F(RunS3, AnS3ThatNeverRecoversIsAnErrorNamingTheKeyAndNoSecret) {
  const std::optional<int> upstream = server_->loopback_port();
  ASSERT_TRUE(upstream) << server_->endpoint;
  const S3Prefix prefix(*aws_, *server_, "never-recovers");
  const FaultProxy proxy(*upstream, "always-503", scratch_ / "proxy");
  const fs::path registry = make_registry(scratch_ / "registry");
  const Finished sync = run_to_end(sync_args(registry, prefix.store_url()), scratch_ / "sync",
                                   through(proxy.endpoint()));
  EXPECT_NE(sync.status, 0) << sync.err << sync.out;
  EXPECT_NE(sync.err.find(prefix.store_url() + "/"), std::string::npos) << sync.err;
  EXPECT_NE(sync.err.find("503"), std::string::npos) << sync.err;
  EXPECT_NE(sync.err.find("6 tries"), std::string::npos) << sync.err;
  for (const char* secret : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
    const std::string value = getenv_or_empty(secret);
    if (value.empty()) continue;
    EXPECT_EQ(sync.err.find(value), std::string::npos) << secret;
  }
  EXPECT_EQ(describe(keys_of(aws_->list(prefix.name()))), "");
}

}  // namespace
