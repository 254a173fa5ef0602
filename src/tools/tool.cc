#include "tools/tool.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>

#include "tools/duration.h"

namespace tools {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kToolKeys[] = {"commands", "description",       "env",
                                          "timeout",  "no_output_timeout", "toolchain"};
constexpr std::string_view kCommandKeys[] = {"args", "show_output", "timeout"};
constexpr std::string_view kCrateArgs = "{crate_args}";

std::string joined(std::span<const std::string_view> words) {
  std::string text;
  for (const std::string_view word : words) {
    if (!text.empty()) text += ", ";
    text += word;
  }
  return text;
}

std::string type_name(const toml::node& node) {
  std::ostringstream out;
  out << node.type();
  return out.str();
}

// Tool names end up in store keys and on the command line.
bool valid_tool_name(std::string_view name) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  return !name.empty() && std::all_of(name.begin(), name.end(), allowed);
}

// Turns one file's TOML into tools, failing with the file, line and field of
// the first problem found.
class Reader {
 public:
  explicit Reader(std::string_view origin) : origin_(origin) {}

  std::map<std::string, Tool, std::less<>> read(const toml::table& root) const {
    for (const auto& [key, value] : root) {
      if (key.str() != "tools") fail(key.source(), key.str(), "unknown key; expected tools");
    }
    const toml::node* tools = root.get("tools");
    if (tools == nullptr) fail(root.source(), "tools", "missing; expected [tools.NAME] tables");
    if (!tools->is_table())
      fail(tools->source(), "tools", "expected a table, got " + type_name(*tools));
    if (tools->as_table()->empty()) fail(tools->source(), "tools", "no tools defined");

    std::map<std::string, Tool, std::less<>> result;
    for (const auto& [key, value] : *tools->as_table()) {
      const std::string path = "tools." + std::string(key.str());
      if (!valid_tool_name(key.str())) {
        fail(key.source(), path, "a tool name is lowercase letters, digits, '-' and '_'");
      }
      if (!value.is_table())
        fail(value.source(), path, "expected a table, got " + type_name(value));
      Tool tool = read_tool(*value.as_table(), path);
      tool.name = key.str();
      result.emplace(tool.name, std::move(tool));
    }
    return result;
  }

 private:
  [[noreturn]] void fail(const toml::source_region& where, std::string_view field,
                         std::string_view problem) const {
    std::string message = origin_;
    if (where.begin.line != 0) message += ":" + std::to_string(where.begin.line);
    message += ": " + std::string(field) + ": " + std::string(problem);
    throw std::runtime_error(message);
  }

  Tool read_tool(const toml::table& table, const std::string& path) const {
    check_keys(table, path, kToolKeys);
    Tool tool;
    if (const toml::node* node = table.get("description")) {
      tool.description = string(*node, path + ".description");
    }
    const toml::node& toolchain = required(table, "toolchain", path);
    tool.toolchain = string(toolchain, path + ".toolchain");
    if (tool.toolchain.empty()) fail(toolchain.source(), path + ".toolchain", "must not be empty");
    tool.timeout = duration(required(table, "timeout", path), path + ".timeout");
    tool.no_output_timeout =
        duration(required(table, "no_output_timeout", path), path + ".no_output_timeout");
    if (const toml::node* node = table.get("env")) tool.env = env(*node, path + ".env");

    const toml::node& commands = required(table, "commands", path);
    const std::string commands_path = path + ".commands";
    if (!commands.is_array()) {
      fail(commands.source(), commands_path,
           "expected [[" + commands_path + "]] tables, got " + type_name(commands));
    }
    if (commands.as_array()->empty())
      fail(commands.source(), commands_path, "must have at least one command");
    size_t index = 0;
    for (const toml::node& command : *commands.as_array()) {
      tool.commands.push_back(
          read_command(command, commands_path + "[" + std::to_string(index++) + "]"));
    }
    return tool;
  }

  Command read_command(const toml::node& node, const std::string& path) const {
    if (!node.is_table()) fail(node.source(), path, "expected a table, got " + type_name(node));
    const toml::table& table = *node.as_table();
    check_keys(table, path, kCommandKeys);
    Command command;
    const toml::node& args = required(table, "args", path);
    if (!args.is_array()) {
      fail(args.source(), path + ".args", "expected an array of strings, got " + type_name(args));
    }
    if (args.as_array()->empty()) fail(args.source(), path + ".args", "must not be empty");
    for (const toml::node& arg : *args.as_array()) {
      const std::string arg_path = path + ".args[" + std::to_string(command.args.size()) + "]";
      command.args.push_back(string(arg, arg_path));
      check_placeholders(arg, command.args.back(), arg_path, true);
    }
    if (const toml::node* show = table.get("show_output")) {
      if (!show->is_boolean()) {
        fail(show->source(), path + ".show_output", "expected a boolean, got " + type_name(*show));
      }
      command.show_output = show->as_boolean()->get();
    }
    if (const toml::node* timeout = table.get("timeout")) {
      command.timeout = duration(*timeout, path + ".timeout");
    }
    return command;
  }

  std::map<std::string, std::string> env(const toml::node& node, const std::string& path) const {
    if (!node.is_table()) fail(node.source(), path, "expected a table, got " + type_name(node));
    std::map<std::string, std::string> result;
    for (const auto& [key, value] : *node.as_table()) {
      const std::string value_path = path + "." + std::string(key.str());
      std::string text = string(value, value_path);
      check_placeholders(value, text, value_path, false);
      result.emplace(key.str(), std::move(text));
    }
    return result;
  }

  void check_keys(const toml::table& table, const std::string& path,
                  std::span<const std::string_view> allowed) const {
    for (const auto& [key, value] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        std::vector<std::string_view> sorted(allowed.begin(), allowed.end());
        std::sort(sorted.begin(), sorted.end());
        fail(key.source(), path + "." + std::string(key.str()),
             "unknown key; expected one of " + joined(sorted));
      }
    }
  }

  const toml::node& required(const toml::table& table, std::string_view key,
                             const std::string& path) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) fail(table.source(), path + "." + std::string(key), "missing");
    return *node;
  }

  std::string string(const toml::node& node, const std::string& path) const {
    if (!node.is_string()) fail(node.source(), path, "expected a string, got " + type_name(node));
    return node.as_string()->get();
  }

  std::chrono::seconds duration(const toml::node& node, const std::string& path) const {
    if (!node.is_string()) {
      fail(node.source(), path, "expected a duration string like \"15m\", got " + type_name(node));
    }
    std::chrono::seconds result{};
    try {
      result = parse_duration(node.as_string()->get());
    } catch (const std::invalid_argument& e) {
      fail(node.source(), path, e.what());
    }
    if (result.count() == 0) fail(node.source(), path, "must be longer than 0s");
    return result;
  }

  void check_placeholders(const toml::node& node, std::string_view text, const std::string& path,
                          bool is_arg) const {
    for (size_t open = text.find('{'); open != std::string_view::npos;
         open = text.find('{', open + 1)) {
      const size_t close = text.find('}', open);
      if (close == std::string_view::npos) {
        fail(node.source(), path, "unterminated placeholder in '" + std::string(text) + "'");
      }
      const std::string_view placeholder = text.substr(open, close - open + 1);
      if (placeholder == kCrateArgs) {
        if (!is_arg) fail(node.source(), path, "{crate_args} is only allowed in args");
        if (text != kCrateArgs) {
          fail(node.source(), path, "{crate_args} must be an arg on its own, not part of one");
        }
      } else if (placeholder != "{toolchain}" && placeholder != "{target}") {
        fail(node.source(), path,
             "unknown placeholder " + std::string(placeholder) +
                 "; known are {toolchain}, {target}, {crate_args}");
      }
    }
  }

  std::string origin_;
};

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::vector<Invocation> Tool::expand(const Expansion& expansion) const {
  const auto substitute = [&](std::string text) {
    if (expansion.target.empty() && text.find("{target}") != std::string::npos) {
      throw std::invalid_argument("tool '" + name + "' needs a target triple for {target}");
    }
    replace_all(text, "{toolchain}", toolchain);
    replace_all(text, "{target}", expansion.target);
    return text;
  };
  std::map<std::string, std::string> expanded_env;
  for (const auto& [key, value] : env) expanded_env.emplace(key, substitute(value));

  std::vector<Invocation> invocations;
  for (const Command& command : commands) {
    Invocation& invocation = invocations.emplace_back();
    for (const std::string& arg : command.args) {
      if (arg == kCrateArgs) {
        invocation.argv.insert(invocation.argv.end(), expansion.crate_args.begin(),
                               expansion.crate_args.end());
      } else {
        invocation.argv.push_back(substitute(arg));
      }
    }
    invocation.env = expanded_env;
    invocation.show_output = command.show_output;
    invocation.timeout = command.timeout.value_or(timeout);
    invocation.no_output_timeout = no_output_timeout;
  }
  return invocations;
}

ToolSet ToolSet::parse(std::string_view toml_text, std::string_view origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    const toml::source_position where = e.source().begin;
    throw std::runtime_error(std::string(origin) + ":" + std::to_string(where.line) + ":" +
                             std::to_string(where.column) + ": " + std::string(e.description()));
  }
  ToolSet set;
  set.tools_ = Reader(origin).read(root);
  return set;
}

ToolSet ToolSet::load(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read tools file '" + path.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

const Tool& ToolSet::get(std::string_view name) const {
  const auto it = tools_.find(name);
  if (it != tools_.end()) return it->second;
  std::string known;
  for (const std::string& tool : names()) known += (known.empty() ? "" : ", ") + tool;
  throw std::runtime_error("unknown tool '" + std::string(name) + "': known tools are " + known);
}

std::vector<std::string> ToolSet::names() const {
  std::vector<std::string> result;
  for (const auto& [name, tool] : tools_) result.push_back(name);
  return result;
}

fs::path default_tools_path() {
  std::error_code ignored;
  if (fs::is_regular_file("tools.toml", ignored)) return "tools.toml";
  // A build that was never installed uses its source tree's.
  if (!fs::is_regular_file(CAH_INSTALLED_TOOLS, ignored) &&
      fs::is_regular_file(CAH_SOURCE_TOOLS, ignored)) {
    return CAH_SOURCE_TOOLS;
  }
  return CAH_INSTALLED_TOOLS;
}

}  // namespace tools
