// Every option of `run`, `crates` and `sync` given bad values: the binary
// refuses each before doing anything, naming the option, the value and
// what is allowed. And crater-at-home.toml read strictly.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Finished {
  int status;
  std::string output;  // stdout and stderr
};

/// Runs the binary with `args` (no shell), in `cwd`.
Finished run(const std::vector<std::string>& args, const fs::path& cwd = fs::current_path()) {
  int out[2];
  if (::pipe(out) != 0) return {-1, "pipe failed"};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    ::close(out[1]);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(CAH_BINARY));
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(CAH_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  Finished outcome{-1, ""};
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;)
    outcome.output.append(buffer, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  outcome.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return outcome;
}

/// The long options `command --help` lists.
std::set<std::string> options_of(const std::vector<std::string>& command) {
  std::vector<std::string> args = command;
  args.emplace_back("--help");
  const Finished help = run(args);
  std::set<std::string> options;
  const std::regex option(R"((?:^|[\s,])(--[a-z][a-z0-9-]*))");
  std::string line;
  for (std::istringstream lines(help.output); std::getline(lines, line);) {
    if (line.find_first_not_of(' ') > 4) continue;  // a wrapped description
    std::smatch match;
    if (std::regex_search(line, match, option)) options.insert(match[1]);
  }
  options.erase("--help");
  return options;
}

const std::vector<std::string> kCount = {"-1", "0", "1.5", "abc", "", "99999999999999999999"};
const std::vector<std::string> kPositiveReal = {"-1", "0", "nan", "inf", "1e12", "abc", ""};
const std::vector<std::string> kDuration = {"0s", "-1s", "4294967297s", "31d", "abc", ""};
const std::vector<std::string> kFile = {"", "/", "/nonexistent/file"};
const std::vector<std::string> kText = {""};

/// Bad values of every option; options with none (free text, flags) map to
/// an empty list. An option missing here fails the test: add its range.
const std::map<std::string, std::vector<std::string>> kBadValues = {
    {"--jobs", kCount},
    {"--name", {"", "..", "a/b", "../x"}},
    {"--prepare-jobs", kCount},
    {"--pids-limit", {"-1", "0", "15", "4194305", "abc", ""}},
    {"--memory-limit-gb", kPositiveReal},
    {"--cache-gb", kPositiveReal},
    {"--rerun-older-than", {"-1", "nan", "200000", "abc", ""}},
    {"--timeout", kDuration},
    {"--no-output-timeout", kDuration},
    {"--prepare-timeout", kDuration},
    {"--crates", kCount},
    {"--random", kCount},
    {"--seed", {"-1", "1.5", "abc", "", "99999999999999999999"}},
    {"--crate-list", kFile},
    {"--tools", kFile},
    {"--tool", {"", ".", "../miri"}},
    {"--registry", kText},
    {"--db-dump", kText},
    {"--store", kText},
    {"--bucket", kText},
    {"--image", kText},
    {"--worker-prefix", kText},
    {"--toolchain", kText},
    {"--target", kText},
    {"--cache", kText},
    {"--lockfile", {"", "abc"}},
    {"--engine", {"", "tcp://box:0", "http://box:2375", "ssh://u:secret@box", "local=0"}},
    {"--log-level", {"", "loud", "warning"}},
    // Checked where they are used, or anything goes.
    {"--ignore", {}},
    {"--contact", {}},
    {"--rerun", {}},
    {"--stop-without-engines", {}},
    {"--rev", {}},
    {"--force", {}},
    {"--no-archives", {}},
};

class Options : public ::testing::TestWithParam<std::vector<std::string>> {
 protected:
  // An empty folder to run in: a value wrongly accepted finds no catalogue
  // and no store there, and stops.
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cah-options-cwd-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_P(Options, RefusesEveryBadValueNamingOptionValueAndRange) {
  const std::vector<std::string>& command = GetParam();
  const std::set<std::string> options = options_of(command);
  ASSERT_TRUE(options.contains("--store")) << "cannot read " << command[0] << " --help";
  ASSERT_TRUE(options.contains("--registry")) << "cannot read " << command[0] << " --help";
  for (const std::string& option : options) {
    const auto bad = kBadValues.find(option);
    if (bad == kBadValues.end()) {
      ADD_FAILURE() << command[0] << " " << option << " has no row in kBadValues";
      continue;
    }
    for (const std::string& value : bad->second) {
      std::vector<std::string> args = command;
      args.push_back(option);
      args.push_back(value);
      const Finished outcome = run(args, dir_);
      const std::string what = command[0] + " " + option + " '" + value + "'";
      EXPECT_NE(outcome.status, 0) << what << ":\n" << outcome.output;
      EXPECT_NE(outcome.output.find(option + ":"), std::string::npos) << what << ":\n"
                                                                      << outcome.output;
      if (option != "--lockfile") {
        EXPECT_NE(outcome.output.find("allowed"), std::string::npos) << what << ":\n"
                                                                     << outcome.output;
        if (!value.empty()) {
          EXPECT_NE(outcome.output.find(value), std::string::npos) << what << ":\n"
                                                                   << outcome.output;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Commands, Options,
                         ::testing::Values(std::vector<std::string>{"run", "--tool", "miri"},
                                           std::vector<std::string>{"crates"},
                                           std::vector<std::string>{"sync", "--tool", "miri"}));

TEST(OptionValues, AcceptsTheEdgesOfEachRange) {
  // Values inside the ranges get past parsing to the missing registry.
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--crates", "1"},
                                                {"--random", "100000000"},
                                                {"--seed", "0"},
                                                {"--seed", "18446744073709551615"}}) {
    std::vector<std::string> args = {"crates", "--registry", "/nonexistent"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Finished outcome = run(args);
    EXPECT_NE(outcome.output.find("no local registry"), std::string::npos)
        << extra[0] << " " << extra[1] << ":\n"
        << outcome.output;
  }
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cah-options-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  Finished crates_with(const std::string& toml) {
    std::ofstream(dir_ / "crater-at-home.toml") << toml;
    return run({"crates"}, dir_);
  }
  fs::path dir_;
};

TEST_F(ConfigFile, RefusesBrokenTomlUnknownKeysAndBadValues) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[crates\nregistry = \"/nonexistent\"\n", "crater-at-home.toml:1:"},
      {"garbage line\n[crates]\n", "not valid TOML"},
      {"[crates]\nregistyr = \"/nonexistent\"\n", "unknown key 'registyr' in [crates]"},
      {"[crate]\nregistry = \"/nonexistent\"\n", "'crate' is not allowed"},
      {"registry = \"/nonexistent\"\n", "'registry' is not allowed at the top"},
      {"[crates]\nregistry = \"/nonexistent\"\ncrates = -1\n", "--crates: '-1' is not allowed"},
      {"[run]\njobs = 0\n[crates]\nregistry = \"/nonexistent\"\n", "--jobs: '0' is not allowed"},
      {"[crates]\nregistry = \"/nonexistent\"\n[[run.engine]]\nhost = \"tcp://box:0\"\n",
       "crater-at-home.toml:4: [[run.engine]] host: engine 'tcp://box:0': the port '0'"},
      {"[crates]\ncrates = { a = 1 }\n", "'crates' in [crates] cannot be a table"},
      {"[crates]\ncrates = 2026-01-01\n", "cannot be a date or time"},
      {"[crates]\ncrates = [[1]]\n", "cannot be an array of arrays or tables"},
      // CLI11 would take "" as on and "-" or a number as counts.
      {"[crates]\nrev = \"\"\n", "'rev' in [crates] is a flag; allowed: true or false"},
      {"[crates]\nrev = 1\n", "'rev' in [crates] is a flag"},
      {"[crates]\nrev = \"-\"\n", "'rev' in [crates] is a flag"},
      // CLI11 would split "[a,b]" of an option that repeats into a and b.
      {"[run]\nignore = \"[a,b]\"\n", "'ignore' in [run] holds the text \"[...]\"; write a list"},
      {"[run]\nignore = [\"a\", \"[b]\"]\n", "'ignore' in [run] holds the text \"[...]\""},
  };
  for (const auto& [toml, expected] : cases) {
    const Finished outcome = crates_with(toml);
    EXPECT_NE(outcome.status, 0) << toml;
    EXPECT_NE(outcome.output.find(expected), std::string::npos) << toml << "\n" << outcome.output;
  }
}

TEST_F(ConfigFile, TakesRunEngineTables) {
  const Finished outcome = crates_with(
      "[crates]\nregistry = \"/nonexistent\"\n[[run.engine]]\nhost = \"ssh://root@box:2222\"\n"
      "jobs = 8\nmemory-limit-gb = 4\n[[run.engine]]\nhost = \"local\"\n");
  EXPECT_NE(outcome.output.find("no local registry at /nonexistent"), std::string::npos)
      << outcome.output;
}

// What the check accepts is what the options get: the file is read by one
// parser (toml++), so TOML's own forms reach the option as TOML means them.
TEST_F(ConfigFile, TakesKnownKeysWithDashesOrUnderscoresAndTomlValuesAsTomlMeansThem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[crates]\ncrate_list = \"/nonexistent-list\"\n",
       "--crate-list: '/nonexistent-list' is not a file"},
      {"[crates]\ncrate-list = \"/nonexistent-list\"\n",
       "--crate-list: '/nonexistent-list' is not a file"},
      {"[crates]\nregistry = \"\"\"/nonexistent\"\"\"\n", "no local registry at /nonexistent:"},
      {"[crates]\nregistry = '/nonexistent'\n", "no local registry at /nonexistent:"},
      {"[crates]\nregistry = \"/non\\u0065xistent\"\n", "no local registry at /nonexistent:"},
      {"[crates]\nregistry = \"/nonexistent\"\ncrates = 1_000\n",
       "no local registry at /nonexistent:"},
      {"[crates]\nregistry = \"/nonexistent\"\ncrates = [5, 0]\n", "--crates: '0' is not allowed"},
  };
  for (const auto& [toml, expected] : cases) {
    const Finished outcome = crates_with(toml);
    EXPECT_NE(outcome.status, 0) << toml;
    EXPECT_NE(outcome.output.find(expected), std::string::npos) << toml << "\n" << outcome.output;
  }
}

}  // namespace
