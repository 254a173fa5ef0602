#pragma once
// One place that says which values every numeric, duration and path option
// takes, checked on the text as given (so "-1" never wraps to a huge
// unsigned, "nan" never passes a comparison), with messages that name the
// option, the value and what is allowed; and a strict reader for
// crater-at-home.toml that refuses broken TOML and keys no option has.
// docs/options.md lists the same ranges.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/engine.h"

namespace cli {

/// Replaces the checks of every option in `command` (and its subcommands)
/// that the table in option_checks.cc names with that table's. Call after
/// every command has added its options.
void add_option_checks(CLI::App& command);

/// The config file `argv` asks for (--config FILE or --config=FILE), else
/// `fallback` if it exists; empty if none.
std::filesystem::path config_file(int argc, char** argv, const std::filesystem::path& fallback);

/// Why the table refuses `text` for `option` ("--jobs"); empty when it
/// takes it or has no rule for the option.
std::string check_value(std::string_view option, const std::string& text);

/// CLI11's reader for crater-at-home.toml, backed by toml++ (the parser
/// check_config_file uses), so what the check accepted is exactly what the
/// options get: `crate_list` and `crate-list` alike, TOML's escapes,
/// multi-line and literal strings, `1_000`. A value is given as its text
/// (a number as written by std::to_chars, an array as one input per
/// element). Set with `app.config_formatter(std::make_shared<TomlConfig>())`.
class TomlConfig final : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

/// Reads `file` as TOML and checks that each top-level key is a table
/// named after one of `app`'s subcommands and each key in it one of that
/// command's long options (dashes or underscores), holding a string, a
/// number, a boolean or an array of those. Throws std::runtime_error
/// naming the file, line and key. Besides options, [run] may hold
/// `[[run.engine]]` tables (host, jobs, memory-limit-gb), checked the same
/// way.
void check_config_file(const std::filesystem::path& file, const CLI::App& app);

/// The options file a parsed `app` read: --config's value, else
/// ./crater-at-home.toml if it exists; empty if none.
std::filesystem::path config_in_use(const CLI::App& app);

/// The `[[COMMAND.engine]]` tables of `file`, in order; none if the file or
/// the tables are missing. Throws std::runtime_error naming the file, line
/// and what is wrong.
std::vector<sandbox::EngineSpec> config_engines(const std::filesystem::path& file,
                                                std::string_view command);

}  // namespace cli
