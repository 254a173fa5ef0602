// `crater-at-home prepare-crate`: one crate's preparation, run by `run` in a
// child process with an environment that holds nothing secret (see
// prepare/preparer.h). Reads the request (JSON) on stdin, writes the log on
// stderr as it goes, and the result (JSON) on stdout at the end. Not meant
// for people: hidden from --help.

#include <unistd.h>

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "prepare/preparation.h"
#include "util/fd.h"

namespace cli {
namespace {

int prepare_one() {
  const std::string input{std::istreambuf_iterator<char>(std::cin),
                          std::istreambuf_iterator<char>()};
  prepare::PreparationResult result;
  try {
    const auto request = nlohmann::json::parse(input).get<prepare::PreparationRequest>();
    result = prepare::prepare_crate(
        request, [](std::string_view bytes) { util::write_all(STDERR_FILENO, bytes); });
  } catch (const std::exception& e) {
    result.error = std::string("preparation failed: ") + e.what();
    util::write_all(STDERR_FILENO, result.error + "\n");
  }
  util::write_all(STDOUT_FILENO, nlohmann::json(result).dump() + "\n");
  return 0;
}

}  // namespace

void add_prepare_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand("prepare-crate", "")->group("");
  command->callback([&exit_status] { exit_status = prepare_one(); });
}

}  // namespace cli
