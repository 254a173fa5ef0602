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

constexpr std::string_view kToolKeys[] = {"commands",          "description", "env",  "timeout",
                                          "no_output_timeout", "toolchain",   "setup"};
constexpr std::string_view kCommandKeys[] = {"args", "show_output", "timeout", "when_available",
                                             "unless_available"};
constexpr std::string_view kSetupKeys[] = {"args", "timeout", "network"};
constexpr std::string_view kCrateArgs = "{crate_args}";
constexpr std::string_view kSetup = "{setup}";

/// Where a placeholder appears: what it may be.
enum class Place { kCommandArg, kEnvValue, kSetupArg };

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
    if (const toml::node* setup = table.get("setup")) read_setup(*setup, path + ".setup", tool);
    if (tool.setup.empty()) check_no_setup_placeholder(table, path);
    return tool;
  }

  void read_setup(const toml::node& node, const std::string& path, Tool& tool) const {
    if (!node.is_array()) {
      fail(node.source(), path, "expected [[" + path + "]] tables, got " + type_name(node));
    }
    size_t index = 0;
    for (const toml::node& element : *node.as_array()) {
      const std::string step_path = path + "[" + std::to_string(index++) + "]";
      if (!element.is_table()) {
        fail(element.source(), step_path, "expected a table, got " + type_name(element));
      }
      const toml::table& table = *element.as_table();
      check_keys(table, step_path, kSetupKeys);
      SetupStep step;
      step.args = args(table, step_path, Place::kSetupArg);
      if (const toml::node* timeout = table.get("timeout")) {
        step.timeout = duration(*timeout, step_path + ".timeout");
      }
      if (const toml::node* network = table.get("network")) {
        step.network = boolean(*network, step_path + ".network");
      }
      tool.setup.push_back(std::move(step));
    }
  }

  /// {setup} names a folder that only a tool with setup steps has.
  void check_no_setup_placeholder(const toml::table& table, const std::string& path) const {
    const auto check = [&](const toml::node& node, const std::string& field) {
      if (const auto* text = node.as_string();
          text != nullptr && text->get().find(kSetup) != std::string::npos) {
        fail(node.source(), field, "{setup} needs setup steps ([[" + path + ".setup]])");
      }
    };
    if (const toml::table* env = table["env"].as_table()) {
      for (const auto& [key, value] : *env) check(value, path + ".env." + std::string(key.str()));
    }
    if (const toml::array* commands = table["commands"].as_array()) {
      for (const toml::node& command : *commands) {
        if (const toml::array* args = command.as_table()->get_as<toml::array>("args")) {
          for (const toml::node& arg : *args) check(arg, path + ".commands.args");
        }
      }
    }
  }

  Command read_command(const toml::node& node, const std::string& path) const {
    if (!node.is_table()) fail(node.source(), path, "expected a table, got " + type_name(node));
    const toml::table& table = *node.as_table();
    check_keys(table, path, kCommandKeys);
    Command command;
    command.args = args(table, path, Place::kCommandArg);
    if (const toml::node* show = table.get("show_output")) {
      command.show_output = boolean(*show, path + ".show_output");
    }
    if (const toml::node* timeout = table.get("timeout")) {
      command.timeout = duration(*timeout, path + ".timeout");
    }
    if (const toml::node* program = table.get("when_available")) {
      command.when_available = program_name(*program, path + ".when_available");
    }
    if (const toml::node* program = table.get("unless_available")) {
      command.unless_available = program_name(*program, path + ".unless_available");
    }
    return command;
  }

  std::vector<std::string> args(const toml::table& table, const std::string& path,
                                Place place) const {
    const toml::node& node = required(table, "args", path);
    if (!node.is_array()) {
      fail(node.source(), path + ".args", "expected an array of strings, got " + type_name(node));
    }
    if (node.as_array()->empty()) fail(node.source(), path + ".args", "must not be empty");
    std::vector<std::string> result;
    for (const toml::node& arg : *node.as_array()) {
      const std::string arg_path = path + ".args[" + std::to_string(result.size()) + "]";
      result.push_back(string(arg, arg_path));
      if (result.size() == 1 && result.back().empty()) {
        fail(arg.source(), arg_path, "the program must not be empty");
      }
      check_placeholders(arg, result.back(), arg_path, place);
    }
    return result;
  }

  bool boolean(const toml::node& node, const std::string& path) const {
    if (!node.is_boolean()) fail(node.source(), path, "expected a boolean, got " + type_name(node));
    return node.as_boolean()->get();
  }

  /// A program looked up in PATH: a bare name.
  std::string program_name(const toml::node& node, const std::string& path) const {
    std::string name = string(node, path);
    if (name.empty() || name.find('/') != std::string::npos) {
      fail(node.source(), path, "expected a program's name, looked up in PATH");
    }
    return name;
  }

  std::map<std::string, std::string> env(const toml::node& node, const std::string& path) const {
    if (!node.is_table()) fail(node.source(), path, "expected a table, got " + type_name(node));
    std::map<std::string, std::string> result;
    for (const auto& [key, value] : *node.as_table()) {
      const std::string value_path = path + "." + std::string(key.str());
      std::string text = string(value, value_path);
      check_placeholders(value, text, value_path, Place::kEnvValue);
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
    // Docker and the agent take timeouts in narrower types; 30 days is
    // longer than any crate needs.
    if (result > std::chrono::hours(24 * 30)) fail(node.source(), path, "must be at most 30d");
    return result;
  }

  void check_placeholders(const toml::node& node, std::string_view text, const std::string& path,
                          Place place) const {
    for (size_t open = text.find('{'); open != std::string_view::npos;
         open = text.find('{', open + 1)) {
      const size_t close = text.find('}', open);
      if (close == std::string_view::npos) {
        fail(node.source(), path, "unterminated placeholder in '" + std::string(text) + "'");
      }
      const std::string_view placeholder = text.substr(open, close - open + 1);
      if (placeholder == kCrateArgs) {
        if (place == Place::kEnvValue) {
          fail(node.source(), path, "{crate_args} is only allowed in args");
        }
        if (place == Place::kSetupArg) {
          fail(node.source(), path, "{crate_args} is not allowed in setup: no crate is there");
        }
        if (text != kCrateArgs) {
          fail(node.source(), path, "{crate_args} must be an arg on its own, not part of one");
        }
      } else if (placeholder != "{toolchain}" && placeholder != "{target}" &&
                 placeholder != kSetup) {
        fail(node.source(), path,
             "unknown placeholder " + std::string(placeholder) +
                 "; known are {toolchain}, {target}, {setup}, {crate_args}");
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

namespace {

/// Fills {toolchain}, {target} and {setup} in one arg or env value.
std::string substitute(std::string text, const Tool& tool, const Expansion& expansion) {
  if (expansion.target.empty() && text.find("{target}") != std::string::npos) {
    throw std::invalid_argument("tool '" + tool.name + "' needs a target triple for {target}");
  }
  replace_all(text, "{toolchain}", tool.toolchain);
  replace_all(text, "{target}", expansion.target);
  replace_all(text, kSetup, expansion.setup);
  return text;
}

std::map<std::string, std::string> expanded_env(const Tool& tool, const Expansion& expansion) {
  std::map<std::string, std::string> result;
  for (const auto& [key, value] : tool.env) result.emplace(key, substitute(value, tool, expansion));
  return result;
}

}  // namespace

std::vector<Invocation> Tool::expand_setup(const Expansion& expansion) const {
  std::vector<Invocation> invocations;
  for (const SetupStep& step : setup) {
    Invocation& invocation = invocations.emplace_back();
    for (const std::string& arg : step.args) {
      invocation.argv.push_back(substitute(arg, *this, expansion));
    }
    invocation.env = expanded_env(*this, expansion);
    invocation.timeout = step.timeout.value_or(timeout);
    invocation.no_output_timeout = no_output_timeout;
  }
  return invocations;
}

bool Tool::setup_needs_network() const {
  return std::any_of(setup.begin(), setup.end(),
                     [](const SetupStep& step) { return step.network; });
}

std::vector<Invocation> Tool::expand(const Expansion& expansion) const {
  const auto substitute = [&](const std::string& text) {
    return tools::substitute(text, *this, expansion);
  };
  const std::map<std::string, std::string> expanded_env = tools::expanded_env(*this, expansion);

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
    invocation.when_available = command.when_available;
    invocation.unless_available = command.unless_available;
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
