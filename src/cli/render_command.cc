// `crater-at-home render [FILE|-] [-o OUT] [--title T]`: a raw log becomes a
// complete HTML page, streamed, so a log of any size renders in constant memory.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "cli/commands.h"
#include "cli/output_file.h"
#include "render/page.h"
#include "util/fd.h"

namespace cli {

namespace {

struct RenderOptions {
  std::string input = "-";
  std::string output;
  std::string title;
};

void render_file(const RenderOptions& options) {
  const std::string& input = options.input;
  util::Fd owned;
  int in = STDIN_FILENO;
  if (input != "-") {
    owned.reset(::open(input.c_str(), O_RDONLY | O_CLOEXEC));
    if (!owned) throw std::system_error(errno, std::generic_category(), "cannot open " + input);
    in = owned.get();
  }
  std::string title = options.title;
  if (title.empty())
    title = input == "-" ? "log" : std::filesystem::path(input).filename().string();

  OutputFile out(options.output);
  render::Page page(title, [&](std::string_view html) { out.write(html); });
  std::unique_ptr<char[]> buffer(new char[1 << 16]);
  for (;;) {
    const ssize_t n = ::read(in, buffer.get(), 1 << 16);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "cannot read " + input);
    }
    page.feed(std::string_view(buffer.get(), static_cast<size_t>(n)));
  }
  page.finish();
  out.commit();
}

}  // namespace

void add_render_command(CLI::App& app, int& exit_status) {
  auto* command = app.add_subcommand("render", "Render a raw terminal log as an HTML page");
  auto options = std::make_shared<RenderOptions>();
  command->add_option("file", options->input, "Raw log to render ('-' for standard input)");
  command->add_option("-o,--output", options->output, "Where to write the page (default: stdout)");
  command->add_option("--title", options->title, "Page title (default: the file's name)");
  command->callback([options, &exit_status] {
    render_file(*options);
    exit_status = 0;
  });
}

}  // namespace cli
