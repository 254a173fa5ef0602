#include "cli/commands.h"

#include <memory>

#include "cli/option_checks.h"

namespace cli {

void add_commands(CLI::App& app, int& exit_status) {
  app.require_subcommand(1);
  app.set_version_flag("--version", "crater-at-home " CAH_VERSION);
  // Every option of every command can be set in a TOML file, in a section
  // named after the command ([run], [crates], ...); the command line wins.
  app.set_config("--config", "crater-at-home.toml",
                 "Options file (default: ./crater-at-home.toml if it exists)");
  // Read with toml++, as check_config_file reads it: one parser.
  app.config_formatter(std::make_shared<TomlConfig>());
  add_render_command(app, exit_status);
  add_pty_command(app, exit_status);
  add_crates_command(app, exit_status);
  add_sync_catalogue_command(app, exit_status);
  add_image_command(app, exit_status);
  add_run_command(app, exit_status);
  add_sync_command(app, exit_status);
  add_serve_command(app, exit_status);
  add_prepare_command(app, exit_status);
  add_compare_command(app, exit_status);
  add_engines_command(app, exit_status);
  add_option_checks(app);
}

}  // namespace cli
