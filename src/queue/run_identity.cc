#include "queue/run_identity.h"

#include <optional>

#include "sandbox/child_process.h"

namespace queue {

void read_rustc_verbose_version(std::string_view text, result::RunIdentity& identity) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto value = [&](std::string_view key) -> std::optional<std::string> {
      if (!line.starts_with(key)) return std::nullopt;
      return std::string(line.substr(key.size()));
    };
    if (auto release = value("release: ")) identity.toolchain_version = *release;
    if (auto commit = value("commit-hash: ")) identity.toolchain_commit = *commit;
  }
}

result::RunIdentity describe_run(const tools::Tool& tool, const std::string& toolchain) {
  result::RunIdentity identity{.tool = tool.name, .flags = tool.env};
  try {
    const sandbox::CommandOutput output =
        sandbox::run_to_end({"rustc", "+" + toolchain, "-vV"}, std::chrono::seconds(60));
    if (output.status.success()) read_rustc_verbose_version(output.out, identity);
  } catch (const std::exception&) {
  }
  return identity;
}

}  // namespace queue
