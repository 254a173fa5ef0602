#include "cli/run_names.h"

#include <cstdio>
#include <set>

#include "result/record.h"
#include "tools/tool.h"

namespace cli {

namespace {

/// The tools file's names, or none if it cannot be read (sync needs no
/// tool to publish a run, only its name).
std::vector<std::string> tool_names(const std::string& tools_file) {
  try {
    return tools::ToolSet::load(tools_file.empty() ? tools::default_tools_path()
                                                   : std::filesystem::path(tools_file))
        .names();
  } catch (const std::exception&) {
    return {};
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

}  // namespace

std::string unknown_run(store::Store& store, std::string_view name, Known known,
                        const std::string& tools_file) {
  const std::vector<std::string> tools = tool_names(tools_file);
  if (known == Known::kToolOrResults) {
    for (const std::string& tool : tools) {
      if (tool == name) return {};
    }
  }
  if (result::has_results(store, name)) return {};
  std::string message = "unknown run '" + std::string(name) + "': no results in " + store.url();
  if (known == Known::kToolOrResults) message += " and no such tool in tools.toml";
  message += "; runs with results: " + joined(result::stored_runs(store));
  if (known == Known::kToolOrResults) message += "; tools: " + joined(tools);
  return message;
}

void print_skipped(const std::vector<publish::Skipped>& skipped) {
  for (const publish::Skipped& object : skipped) {
    std::fprintf(stderr, "crater-at-home: warning: skipped %s: %s\n", object.key.c_str(),
                 object.reason.c_str());
  }
}

}  // namespace cli
