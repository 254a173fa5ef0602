#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/option_checks.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"crater-at-home: run one tool over every published Rust crate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "crater-at-home " CAH_VERSION);
  // Every option of every command can be set in a TOML file, in a section
  // named after the command ([run], [crates], ...); the command line wins.
  app.set_config("--config", "crater-at-home.toml",
                 "Options file (default: ./crater-at-home.toml if it exists)");
  int exit_status = 0;
  cli::add_render_command(app, exit_status);
  cli::add_pty_command(app, exit_status);
  cli::add_crates_command(app, exit_status);
  cli::add_sync_catalogue_command(app, exit_status);
  cli::add_image_command(app, exit_status);
  cli::add_run_command(app, exit_status);
  cli::add_sync_command(app, exit_status);
  cli::add_serve_command(app, exit_status);
  cli::add_prepare_command(app, exit_status);
  cli::add_compare_command(app, exit_status);
  cli::add_engines_command(app, exit_status);
  cli::add_option_checks(app);
  // CLI11 skips lines it cannot read and keys no option has: refuse them.
  if (const auto config = cli::config_file(argc, argv, "crater-at-home.toml"); !config.empty()) {
    cli::check_config_file(config, app);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crater-at-home: error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "crater-at-home: error: unknown failure\n");
  }
  return 1;
}
