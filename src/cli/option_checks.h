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

/// Reads `file` as TOML and checks that each top-level key is a table
/// named after one of `app`'s subcommands and each key in it one of that
/// command's long options (dashes or underscores). Throws
/// std::runtime_error naming the file, line and key.
/// Besides options, [run] may hold `[[run.engine]]` tables (host, jobs,
/// memory-limit-gb), checked the same way.
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
