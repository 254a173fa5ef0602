// libFuzzer target: arbitrary bytes as crater-at-home.toml, read as the
// binary reads it: check_config_file, then CLI11 with every command's
// options, the toml++ reader and the option_checks table, once for each
// command the file has a section for (no command runs: callbacks are
// stopped before). Besides crashes, hangs and sanitizer reports it checks:
// - only refusals come out: CLI11's ParseError or check_config_file's
//   std::runtime_error, never another exception (they would reach the
//   user as "error: stoi");
// - a file the check accepts is what the options get: every key it holds
//   sets its option, with the file's values;
// - every value an option got passes the table's check for it.

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "cli/commands.h"
#include "cli/option_checks.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "options_file_fuzz: %s\n", what.c_str());
  std::abort();
}

/// Thrown once CLI11 has read and checked everything, before any command
/// runs.
struct Parsed {};

/// The app the binary builds, stopped before the commands' callbacks (which
/// also keep each command's option storage alive: they cannot be cleared).
class ParseOnly final : public CLI::App {
 public:
  ParseOnly() { cli::add_commands(*this, exit_status_); }

 private:
  void pre_callback() override { throw Parsed{}; }
  int exit_status_ = 0;
};

/// Built once; CLI11 clears what a parse left before the next.
CLI::App& app() {
  static ParseOnly* const built = new ParseOnly;  // lives as long as the fuzzer
  return *built;
}

/// What the TOML value should give an option, as check_config_file and the
/// reader agree: the text of a string, integer or boolean, each element of
/// an array; nothing to compare when it holds a float (its text is the
/// reader's own).
std::optional<std::vector<std::string>> expected_inputs(const toml::node& value) {
  std::vector<std::string> inputs;
  if (const auto* array = value.as_array()) {
    for (const toml::node& element : *array) {
      const auto one = expected_inputs(element);
      if (!one) return std::nullopt;
      inputs.insert(inputs.end(), one->begin(), one->end());
    }
  } else if (const auto* text = value.as_string()) {
    inputs.push_back(text->get());
  } else if (const auto* whole = value.as_integer()) {
    inputs.push_back(std::to_string(whole->get()));
  } else if (const auto* flag = value.as_boolean()) {
    inputs.emplace_back(flag->get() ? "true" : "false");
  } else {
    return std::nullopt;
  }
  return inputs;
}

/// Sections parsed whole and compared; printed at exit, so that a run
/// that never got past CLI11 shows.
size_t sections_checked = 0;
const bool report_at_exit = [] {
  std::atexit(
      [] { std::fprintf(stderr, "options_file_fuzz: %zu sections compared\n", sections_checked); });
  return true;
}();

void check_section(const fs::path& file, const std::string& section, const toml::table& keys) {
  std::vector<std::string> args = {"--config", file.string(), section};
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app().parse(args);
    fail("CLI11 parsed without calling back");
  } catch (const Parsed&) {
  } catch (const CLI::ParseError& e) {
    // Refused (a bad value, a required option missing): fine.
    if (std::getenv("OPTIONS_FILE_FUZZ_DEBUG") != nullptr) {
      std::fprintf(stderr, "[%s] refused: %s\n", section.c_str(), e.what());
    }
    return;
  }
  CLI::App* command = app().get_subcommand(section);
  ++sections_checked;
  for (const auto& [key, value] : keys) {
    std::string name(key.str());
    for (char& c : name) c = c == '_' ? '-' : c;
    const CLI::Option* option = command->get_option_no_throw("--" + name);
    if (option == nullptr) fail("accepted key '" + name + "' names no option of " + section);
    if (value.is_boolean()) continue;  // a flag set to false counts nothing
    if (option->count() == 0) fail("[" + section + "] " + name + " was accepted but not applied");
    if (const auto expected = expected_inputs(value); expected && option->results() != *expected) {
      fail("[" + section + "] " + name + " got other values than the file's");
    }
    for (const std::string& result : option->results()) {
      if (const std::string why = cli::check_value("--" + name, result); !why.empty()) {
        fail("[" + section + "] " + name + " took a value the table refuses: " + why);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path file =
      fs::temp_directory_path() / ("options_file_fuzz-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    cli::check_config_file(file, app());
  } catch (const std::runtime_error&) {
    return 0;  // refused, naming the file and line
  } catch (const std::exception& e) {
    fail(std::string("check_config_file threw a ") + typeid(e).name() + ": " + e.what());
  }
  // Accepted: so toml++ reads it, and every top-level key is a command.
  const toml::table table = toml::parse(std::string(reinterpret_cast<const char*>(data), size));
  for (const auto& [section, node] : table) {
    try {
      check_section(file, std::string(section.str()), *node.as_table());
    } catch (const std::exception& e) {
      fail(std::string("parsing threw a ") + typeid(e).name() + ": " + e.what());
    }
  }
  return 0;
}
