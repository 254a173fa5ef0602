// `crater-at-home pty [--html OUT] [--title T] -- CMD ARGS...`: runs CMD on a
// 128x64 pseudo-terminal, copies its bytes to stdout unchanged and, with
// --html, renders the same bytes to a page.

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.h"
#include "cli/output_file.h"
#include "pty/pty.h"
#include "pty/signal_forwarder.h"
#include "render/page.h"

namespace cli {
namespace {

struct PtyOptions {
  std::string html;
  std::string title;
  std::vector<std::string> command;
};

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) line += (line.empty() ? "" : " ") + arg;
  return line;
}

int run_pty(const PtyOptions& options) {
  std::optional<OutputFile> html;
  std::optional<render::Page> page;
  if (!options.html.empty()) {
    html.emplace(options.html);
    page.emplace(options.title.empty() ? command_line(options.command) : options.title,
                 [&](std::string_view chunk) { html->write(chunk); });
  }

  pty::Child child({.argv = options.command});
  // Destroyed before the child, so no handler targets a reaped pid.
  pty::SignalForwarder forwarder(child);
  int status = child.run([&](std::string_view bytes) {
    write_all(STDOUT_FILENO, bytes, "standard output");
    if (page) page->feed(bytes);
  });

  if (page) {
    page->finish();
    html->commit();
  }
  return status;
}

}  // namespace

void add_pty_command(CLI::App& app, int& exit_status) {
  auto* cmd = app.add_subcommand(
      "pty", "Run a command on a 128x64 pseudo-terminal and copy what it shows to stdout");
  auto options = std::make_shared<PtyOptions>();
  cmd->add_option("--html", options->html, "Also render the output as an HTML page to this file");
  cmd->add_option("--title", options->title, "Title of the HTML page (default: the command)");
  cmd->add_option("command", options->command, "The command and its arguments, after --")
      ->required();
  // Everything from the command on is its own: `pty cargo build --release`.
  cmd->positionals_at_end();
  cmd->callback([options, &exit_status] {
    try {
      exit_status = run_pty(*options);
    } catch (const pty::ExecError& e) {
      std::fprintf(stderr, "crater-at-home: error: %s\n", e.what());
      exit_status = e.status();
    }
  });
}

}  // namespace cli
