// `crater-at-home render [FILE|-] [-o OUT] [--title T]`: a raw log becomes a
// complete HTML page, streamed, so a log of any size renders in constant memory.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include "cli/commands.h"
#include "render/page.h"

namespace cli {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

void render_file(const std::string& input, const std::string& output, std::string title) {
  File in_owner;
  std::FILE* in = stdin;
  if (input != "-") {
    in_owner.reset(std::fopen(input.c_str(), "rb"));
    if (!in_owner) fail("cannot open", input);
    in = in_owner.get();
  }
  if (title.empty())
    title = input == "-" ? "log" : std::filesystem::path(input).filename().string();

  // Written next to the target and renamed into place: a reader never sees
  // half a page, and a failed render leaves the old page alone.
  const bool to_stdout = output.empty() || output == "-";
  const std::string temporary = to_stdout ? "" : output + ".tmp";
  File out_owner;
  std::FILE* out = stdout;
  if (!to_stdout) {
    out_owner.reset(std::fopen(temporary.c_str(), "wb"));
    if (!out_owner) fail("cannot create", temporary);
    out = out_owner.get();
  }
  const std::string out_name = to_stdout ? "standard output" : temporary;
  render::Page page(title, [&](std::string_view html) {
    if (std::fwrite(html.data(), 1, html.size(), out) != html.size())
      fail("cannot write", out_name);
  });

  std::string buffer(1 << 16, '\0');
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), in)) {
    page.feed(std::string_view(buffer.data(), n));
  }
  if (std::ferror(in)) fail("cannot read", input);
  page.finish();
  if (std::fflush(out) != 0) fail("cannot write", out_name);
  if (!to_stdout) {
    if (std::fclose(out_owner.release()) != 0) fail("cannot write", out_name);
    std::filesystem::rename(temporary, output);
  }
}

}  // namespace

void add_render_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand("render", "Render a raw terminal log as an HTML page");
  struct Options {
    std::string input = "-";
    std::string output;
    std::string title;
  };
  auto options = std::make_shared<Options>();
  command->add_option("file", options->input, "Raw log to render ('-' for standard input)");
  command->add_option("-o,--output", options->output, "Where to write the page (default: stdout)");
  command->add_option("--title", options->title, "Page title (default: the file's name)");
  command->callback([options, &exit_status] {
    render_file(options->input, options->output, options->title);
    exit_status = 0;
  });
}

}  // namespace cli
