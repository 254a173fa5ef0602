#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "cli/option_checks.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"crater-at-home: run one tool over every published Rust crate"};
  int exit_status = 0;
  cli::add_commands(app, exit_status);
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
