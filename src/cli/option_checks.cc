#include "cli/option_checks.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tools/duration.h"

namespace cli {

namespace fs = std::filesystem;

namespace {

/// A check on an option's text: empty if fine, else why not.
using Check = std::function<std::string(const std::string&)>;

std::string quoted(const std::string& text) { return "'" + text + "'"; }

Check whole_number(uint64_t min, uint64_t max, const std::string& what) {
  return [=](const std::string& text) -> std::string {
    const std::string allowed = "allowed: a whole number from " + std::to_string(min) + " to " +
                                std::to_string(max) + (what.empty() ? "" : " (" + what + ")");
    uint64_t value = 0;
    const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (!digits || error != std::errc() || end != text.data() + text.size() || value < min ||
        value > max) {
      return quoted(text) + " is not allowed; " + allowed;
    }
    return {};
  };
}

Check real_number(double min, bool min_allowed, double max, const std::string& what) {
  return [=](const std::string& text) -> std::string {
    std::ostringstream allowed;
    allowed << "allowed: a number " << (min_allowed ? "from " : "above ") << min << " to " << max
            << (what.empty() ? "" : " (" + what + ")");
    char* end = nullptr;
    const double value = text.empty() ? NAN : std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) || value < min ||
        (!min_allowed && value == min) || value > max) {
      return quoted(text) + " is not allowed; " + allowed.str();
    }
    return {};
  };
}

Check duration(std::chrono::seconds min, std::chrono::seconds max) {
  return [=](const std::string& text) -> std::string {
    const std::string allowed = "allowed: a duration from " + tools::format_duration(min) + " to " +
                                tools::format_duration(max) + ", like 90s, 15m or 1h30m";
    try {
      const std::chrono::seconds value = tools::parse_duration(text);
      if (value < min || value > max) return quoted(text) + " is not allowed; " + allowed;
    } catch (const std::exception& e) {
      return std::string(e.what()) + "; " + allowed;
    }
    return {};
  };
}

Check non_empty(const std::string& what) {
  return [=](const std::string& text) -> std::string {
    if (text.empty()) return "an empty value is not allowed; allowed: " + what;
    return {};
  };
}

Check engine() {
  return [](const std::string& text) -> std::string {
    try {
      sandbox::parse_engine(text);
    } catch (const sandbox::EngineSpecError& e) {
      return std::string(e.what()) +
             "; allowed: local, unix:///PATH, tcp://HOST:PORT, ssh://[USER@]HOST[:PORT] or a "
             "docker context's name, optionally followed by =JOBS";
    }
    return {};
  };
}

/// One of `names`, in any case (`--log-level INFO`).
Check one_of(std::vector<std::string> names) {
  return [names = std::move(names)](const std::string& text) -> std::string {
    std::string allowed;
    for (const std::string& name : names) {
      if (text.size() == name.size() &&
          std::equal(text.begin(), text.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          })) {
        return {};
      }
      allowed += (allowed.empty() ? "" : ", ") + name;
    }
    return quoted(text) + " is not allowed; allowed: one of " + allowed;
  };
}

/// A run's name is the first part of its store keys: one path segment.
Check run_name(const std::string& what) {
  return [=](const std::string& text) -> std::string {
    const bool control = std::any_of(text.begin(), text.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (text.empty() || text == "." || text == ".." || text.find('/') != std::string::npos ||
        control) {
      return quoted(text) + " is not allowed; allowed: " + what +
             ", one path segment (no '/', not '.' or '..', no control characters)";
    }
    return {};
  };
}

Check regular_file() {
  return [](const std::string& text) -> std::string {
    std::error_code error;
    if (text.empty() || !fs::is_regular_file(text, error)) {
      return quoted(text) + " is not a file; allowed: the path of a readable file";
    }
    return {};
  };
}

struct Rule {
  std::string_view option;
  std::function<Check()> check;
};

constexpr uint64_t kMaxJobs = 1024;
constexpr auto kMaxTimeout = std::chrono::hours(24 * 30);

// Every option with a range, for every command; docs/options.md says the
// same. --port is serve's (0: any free port).
const std::vector<Rule>& rules() {
  static const std::vector<Rule> table = {
      {"--jobs", [] { return whole_number(1, kMaxJobs, "workers"); }},
      {"--prepare-jobs", [] { return whole_number(1, kMaxJobs, "crates prepared at once"); }},
      {"--memory-limit-gb", [] { return real_number(0, false, 4096, "GB per worker"); }},
      {"--pids-limit", [] { return whole_number(16, 4'194'304, "processes per worker"); }},
      {"--rerun-older-than", [] { return real_number(0, true, 36'500, "days"); }},
      {"--cache-gb", [] { return real_number(0, false, 1'000'000, "GB"); }},
      {"--timeout", [] { return duration(std::chrono::seconds(1), kMaxTimeout); }},
      {"--no-output-timeout", [] { return duration(std::chrono::seconds(1), kMaxTimeout); }},
      {"--prepare-timeout", [] { return duration(std::chrono::seconds(1), kMaxTimeout); }},
      {"--crates", [] { return whole_number(1, 100'000'000, "crates"); }},
      {"--random", [] { return whole_number(1, 100'000'000, "crates"); }},
      {"--seed", [] { return whole_number(0, UINT64_MAX, ""); }},
      {"--crate-list", [] { return regular_file(); }},
      {"--port", [] { return whole_number(0, 65535, "0: any free port"); }},
      {"--tool", [] { return run_name("a tool's name from tools.toml"); }},
      {"--name", [] { return run_name("the run's name, under which its results are stored"); }},
      {"--tools", [] { return regular_file(); }},
      {"--registry", [] { return non_empty("crates-io, or the path of a local registry"); }},
      {"--db-dump", [] { return non_empty("a file or a URL"); }},
      {"--store", [] { return non_empty("DIR, file://DIR or s3://BUCKET[/PREFIX]"); }},
      {"--bucket", [] { return non_empty("a bucket's name"); }},
      {"--image", [] { return non_empty("a Docker image"); }},
      {"--worker-prefix", [] { return non_empty("a container name prefix"); }},
      {"--toolchain", [] { return non_empty("a rustup toolchain"); }},
      {"--target", [] { return non_empty("a target triple"); }},
      {"--cache", [] { return non_empty("a folder"); }},
      {"--engine", [] { return engine(); }},
      {"--log-level",
       [] {
         return one_of({"trace", "debug", "info", "warn", "error"});
       }},
  };
  return table;
}

void add_checks(CLI::Option& option, const Check& check) {
  // The table's check replaces CLI11's (PositiveNumber lets NaN through and
  // says "Value 0 not in range 2.22507e-308 to 1.79769e+308").
  for (int index = 0;; ++index) {
    try {
      option.get_validator(index)->active(false);
    } catch (const CLI::OptionNotFound&) {
      break;
    }
  }
  option.check(CLI::Validator([check](std::string& text) { return check(text); }, "", "cah-range"));
}

std::string_view type_name(const toml::node& value) {
  if (value.is_table()) return "a table";
  if (value.is_array()) return "an array of arrays or tables";
  if (value.is_date() || value.is_time() || value.is_date_time()) return "a date or time";
  return "a value of this type";
}

std::string normalized(std::string key) {
  for (char& c : key) {
    if (c == '_') c = '-';
  }
  return key;
}

/// The commands whose section may hold [[COMMAND.engine]] tables.
bool takes_engine_tables(std::string_view command) { return command == "run"; }

/// Reads [[COMMAND.engine]] tables; `where` names a node's file and line.
std::vector<sandbox::EngineSpec> engine_tables(
    const toml::array& tables, std::string_view command,
    const std::function<std::string(const toml::node&)>& where) {
  const std::string allowed = "allowed: host (an engine URL or context), jobs, memory-limit-gb";
  std::vector<sandbox::EngineSpec> engines;
  for (const toml::node& node : tables) {
    const toml::table* table = node.as_table();
    const std::string head = where(node) + ": [[" + std::string(command) + ".engine]]";
    if (table == nullptr) throw std::runtime_error(head + " must be a table; " + allowed);
    sandbox::EngineSpec spec;
    bool have_host = false;
    for (const auto& [key, value] : *table) {
      const std::string name = normalized(std::string(key.str()));
      const std::string at = where(value) + ": [[" + std::string(command) + ".engine]] " + name;
      if (name == "host") {
        const std::optional<std::string> host = value.value<std::string>();
        if (!host) throw std::runtime_error(at + " must be a string, like \"ssh://user@box\"");
        sandbox::EngineSpec parsed;
        try {
          parsed = sandbox::parse_engine(*host);
        } catch (const sandbox::EngineSpecError& e) {
          throw std::runtime_error(at + ": " + e.what());
        }
        if (parsed.jobs) {
          throw std::runtime_error(at + ": '" + *host + "' gives JOBS; set jobs = N instead");
        }
        spec.host = parsed.host;
        have_host = true;
      } else if (name == "jobs") {
        const std::optional<int64_t> jobs =
            value.is_integer() ? value.value<int64_t>() : std::nullopt;
        if (!jobs || *jobs < 1 || *jobs > static_cast<int64_t>(sandbox::kMaxEngineJobs)) {
          throw std::runtime_error(at + " is not allowed; allowed: a whole number from 1 to " +
                                   std::to_string(sandbox::kMaxEngineJobs));
        }
        spec.jobs = static_cast<size_t>(*jobs);
      } else if (name == "memory-limit-gb") {
        const std::optional<double> gb = value.is_number() ? value.value<double>() : std::nullopt;
        if (!gb || !std::isfinite(*gb) || *gb <= 0 || *gb > 4096) {
          throw std::runtime_error(at +
                                   " is not allowed; allowed: a number above 0, at most 4096 "
                                   "(GB per worker)");
        }
        spec.memory_limit_gb = *gb;
      } else {
        throw std::runtime_error(at + ": unknown key; " + allowed);
      }
    }
    if (!have_host) throw std::runtime_error(head + " has no host; " + allowed);
    engines.push_back(spec);
  }
  return engines;
}

/// The inputs CLI11 gets for one TOML value; nothing for a value no option
/// takes (a table, a date, an array of arrays).
std::optional<std::vector<std::string>> inputs_of(const toml::node& value) {
  if (const auto* text = value.as_string()) return std::vector<std::string>{text->get()};
  if (const auto* whole = value.as_integer()) {
    return std::vector<std::string>{std::to_string(whole->get())};
  }
  if (const auto* real = value.as_floating_point()) {
    char buffer[64];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, real->get());
    if (error != std::errc()) return std::nullopt;
    return std::vector<std::string>{std::string(buffer, end)};
  }
  if (const auto* flag = value.as_boolean()) {
    return std::vector<std::string>{flag->get() ? "true" : "false"};
  }
  if (const auto* array = value.as_array()) {
    std::vector<std::string> inputs;
    for (const toml::node& element : *array) {
      if (element.is_array() || element.is_table()) return std::nullopt;
      auto one = inputs_of(element);
      if (!one) return std::nullopt;
      inputs.insert(inputs.end(), one->begin(), one->end());
    }
    return inputs;
  }
  return std::nullopt;
}

}  // namespace

std::string check_value(std::string_view option, const std::string& text) {
  for (const Rule& rule : rules()) {
    if (rule.option == option) return rule.check()(text);
  }
  return {};
}

std::string TomlConfig::to_config(const CLI::App* app, bool default_also, bool write_description,
                                  std::string prefix) const {
  return CLI::ConfigTOML().to_config(app, default_also, write_description, std::move(prefix));
}

std::vector<CLI::ConfigItem> TomlConfig::from_config(std::istream& input) const {
  std::ostringstream text;
  text << input.rdbuf();
  toml::table table;
  try {
    table = toml::parse(text.str());
  } catch (const toml::parse_error& e) {
    throw CLI::ConversionError(std::string("not valid TOML: ") + std::string(e.description()));
  }
  std::vector<CLI::ConfigItem> items;
  for (const auto& [section, node] : table) {
    const auto* options = node.as_table();
    if (options == nullptr) {
      throw CLI::ConversionError("'" + std::string(section.str()) + "' is not a section");
    }
    for (const auto& [key, value] : *options) {
      // [[run.engine]] tables are read by config_engines(), not by CLI11.
      if (normalized(std::string(key.str())) == "engine" && takes_engine_tables(section.str()) &&
          value.is_array_of_tables()) {
        continue;
      }
      auto inputs = inputs_of(value);
      if (!inputs) {
        throw CLI::ConversionError("'" + std::string(key.str()) + "' in [" +
                                   std::string(section.str()) + "] holds no value an option takes");
      }
      items.push_back(CLI::ConfigItem{.parents = {std::string(section.str())},
                                      .name = normalized(std::string(key.str())),
                                      .inputs = std::move(*inputs)});
    }
  }
  return items;
}

void add_option_checks(CLI::App& command) {
  for (const Rule& rule : rules()) {
    for (CLI::Option* option : command.get_options()) {
      if (option->check_lname(std::string(rule.option.substr(2)))) {
        add_checks(*option, rule.check());
      }
    }
  }
  for (CLI::App* sub : command.get_subcommands({})) add_option_checks(*sub);
}

fs::path config_file(int argc, char** argv, const fs::path& fallback) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--config" && i + 1 < argc) return argv[i + 1];
    if (arg.starts_with("--config=")) return std::string(arg.substr(9));
  }
  std::error_code error;
  if (fs::exists(fallback, error)) return fallback;
  return {};
}

void check_config_file(const fs::path& file, const CLI::App& app) {
  std::error_code missing;
  if (!fs::is_regular_file(file, missing)) return;  // CLI11 says it is missing
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream message;
    message << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column
            << ": not valid TOML: " << e.description();
    throw std::runtime_error(message.str());
  }
  const auto where = [&](const toml::node& node) {
    return file.string() + ":" + std::to_string(node.source().begin.line);
  };
  for (const auto& [section, node] : table) {
    const std::string name(section.str());
    CLI::App* command = nullptr;
    try {
      command = const_cast<CLI::App&>(app).get_subcommand(name);
    } catch (const CLI::OptionNotFound&) {
    }
    if (command == nullptr || !node.is_table()) {
      std::string commands;
      for (const CLI::App* sub : const_cast<CLI::App&>(app).get_subcommands({})) {
        commands += (commands.empty() ? "" : ", ") + sub->get_name();
      }
      throw std::runtime_error(where(node) + ": '" + name +
                               "' is not allowed at the top; allowed: a section named after a "
                               "command ([" +
                               commands + "]) holding its options");
    }
    for (const auto& [key, value] : *node.as_table()) {
      const std::string option = normalized(std::string(key.str()));
      if (option == "engine" && takes_engine_tables(name) && value.is_array_of_tables()) {
        engine_tables(*value.as_array(), name, where);
        continue;
      }
      const CLI::Option* known = nullptr;
      std::string options;
      for (const CLI::Option* candidate : command->get_options()) {
        if (candidate->get_lnames().empty() || candidate->get_lnames()[0] == "help") continue;
        if (known == nullptr && candidate->check_lname(option)) known = candidate;
        options += (options.empty() ? "" : ", ") + candidate->get_lnames()[0];
      }
      if (known == nullptr) {
        throw std::runtime_error(where(value) + ": unknown key '" + std::string(key.str()) +
                                 "' in [" + name + "]; allowed: " + options);
      }
      // A flag is on or off. CLI11 would also take "", "-" or a count, each
      // with its own meaning ("" sets it): refused rather than guessed.
      if (known->get_expected_max() == 0 && !value.is_boolean()) {
        throw std::runtime_error(where(value) + ": '" + std::string(key.str()) + "' in [" + name +
                                 "] is a flag; allowed: true or false");
      }
      // CLI11 takes a value "[a,b]" of an option that repeats as the list
      // a, b: a TOML array says that without doubt.
      const auto bracketed = [](const toml::node& one) {
        const auto* text = one.as_string();
        return text != nullptr && text->get().size() >= 2 && text->get().front() == '[' &&
               text->get().back() == ']';
      };
      const auto* array = value.as_array();
      if (known->get_allow_extra_args() &&
          (bracketed(value) ||
           (array != nullptr && std::any_of(array->begin(), array->end(), bracketed)))) {
        throw std::runtime_error(where(value) + ": '" + std::string(key.str()) + "' in [" + name +
                                 "] holds the text \"[...]\"; write a list as a TOML array (" +
                                 std::string(key.str()) + " = [\"a\", \"b\"])");
      }
      if (!inputs_of(value)) {
        throw std::runtime_error(where(value) + ": '" + std::string(key.str()) + "' in [" + name +
                                 "] cannot be " + std::string(type_name(value)) +
                                 "; allowed: a string, a number, true or false, or an array of "
                                 "those");
      }
    }
  }
}

std::filesystem::path config_in_use(const CLI::App& app) {
  if (const CLI::Option* given = app.get_config_ptr(); given != nullptr && given->count() > 0) {
    return given->as<std::string>();
  }
  if (std::error_code error; std::filesystem::exists("crater-at-home.toml", error)) {
    return "crater-at-home.toml";
  }
  return {};
}

std::vector<sandbox::EngineSpec> config_engines(const fs::path& file, std::string_view command) {
  std::error_code missing;
  if (file.empty() || !fs::is_regular_file(file, missing)) return {};
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(file.string() + ": not valid TOML: " + std::string(e.description()));
  }
  const toml::node* tables = table.at_path(std::string(command) + ".engine").node();
  if (tables == nullptr || !tables->is_array_of_tables()) return {};
  return engine_tables(*tables->as_array(), command, [&](const toml::node& node) {
    return file.string() + ":" + std::to_string(node.source().begin.line);
  });
}

}  // namespace cli
