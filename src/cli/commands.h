#pragma once
// Each subcommand of the crater-at-home binary registers itself here. A
// command's callback runs during parsing and sets the process exit status.

#include <CLI/CLI.hpp>

namespace cli {

void add_render_command(CLI::App& app, int& exit_status);
void add_pty_command(CLI::App& app, int& exit_status);
void add_crates_command(CLI::App& app, int& exit_status);
void add_sync_catalogue_command(CLI::App& app, int& exit_status);
void add_image_command(CLI::App& app, int& exit_status);
void add_run_command(CLI::App& app, int& exit_status);
void add_sync_command(CLI::App& app, int& exit_status);
void add_serve_command(CLI::App& app, int& exit_status);
void add_prepare_command(CLI::App& app, int& exit_status);
void add_compare_command(CLI::App& app, int& exit_status);
void add_engines_command(CLI::App& app, int& exit_status);

/// The whole binary's interface: every command above, the options file
/// (--config, read with toml++) and the option_checks table.
void add_commands(CLI::App& app, int& exit_status);

}  // namespace cli
