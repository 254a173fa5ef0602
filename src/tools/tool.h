#pragma once
// A tool is data: the toolchain, environment, commands and timeouts that
// test one crate, read from tools.toml so that adding a tool is editing a
// file. See tools.toml at the repo root for the format.
//
// Placeholders in a command's args (and in env values):
//   {toolchain}   the tool's toolchain, e.g. "+{toolchain}" -> "+nightly"
//   {target}      the target triple, e.g. "--target={target}" or "{target}"
//   {setup}       the folder holding the tool's setup (e.g. Miri's sysroot):
//                 writable while the setup steps run, read-only for crates;
//                 only in a tool that has setup steps
//   {crate_args}  the crate's own cargo arguments (features from docs.rs
//                 metadata): zero or more args, so it must be a whole arg on
//                 its own and is not allowed in env values or setup steps.
// Any other "{...}" is an error when the file is read; there is no escape
// for a literal '{'.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

/// One program run in the sandbox, args still holding placeholders.
struct Command {
  std::vector<std::string> args;  // args[0] is the program
  bool show_output = true;        // false: run, but its output is discarded (a warm-up)
  std::optional<std::chrono::seconds> timeout;  // overrides the tool's
  /// Run only if this program is on the sandbox's PATH (e.g. "cargo-nextest").
  std::string when_available;
  /// Run only if this program is not (the fallback of a when_available).
  std::string unless_available;
};

/// A step run once, before any crate, in a sandbox of its own with the
/// tool's toolchain and environment but no crate: what it writes under
/// {setup} is kept and given read-only to every worker (docs/sandbox.md).
struct SetupStep {
  std::vector<std::string> args;
  std::optional<std::chrono::seconds> timeout;  // overrides the tool's
  /// The setup sandbox gets a network if any step asks for one (e.g. to
  /// fetch the standard library's dependencies); crates never do.
  bool network = false;
};

/// What the placeholders stand for on one run.
struct Expansion {
  std::string target;                   // empty is an error only if a command uses {target}
  std::vector<std::string> crate_args;  // replaces a "{crate_args}" arg
  std::string setup = "/opt/setup";     // replaces {setup}
};

/// A command ready to run: nothing left to substitute.
struct Invocation {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to the sandbox's environment
  bool show_output = true;
  std::chrono::seconds timeout{};            // wall clock for this command
  std::chrono::seconds no_output_timeout{};  // killed after this long without output
  std::string when_available;                // see Command
  std::string unless_available;
};

struct Tool {
  std::string name;
  std::string description;
  std::string toolchain;  // "stable", "nightly", "nightly-2024-05-01", ...
  std::map<std::string, std::string> env;
  std::chrono::seconds timeout{};  // per command, unless the command says otherwise
  std::chrono::seconds no_output_timeout{};
  std::vector<Command> commands;  // run in order; never empty
  std::vector<SetupStep> setup;   // run once before any crate; may be empty

  /// The commands with placeholders substituted. Throws std::invalid_argument
  /// if a command needs {target} and `expansion.target` is empty.
  std::vector<Invocation> expand(const Expansion& expansion) const;
  /// The setup steps, likewise (each shown, with the tool's environment).
  std::vector<Invocation> expand_setup(const Expansion& expansion) const;
  /// Whether a setup step asks for a network.
  bool setup_needs_network() const;
};

/// Every tool a sweep may run, by name.
class ToolSet {
 public:
  /// Reads and validates a tools file. Throws std::runtime_error naming the
  /// file, line, tool and field of the first problem.
  static ToolSet load(const std::filesystem::path& path);
  /// As load, with `origin` standing for the file name in errors.
  static ToolSet parse(std::string_view toml_text, std::string_view origin);

  /// Throws std::runtime_error "unknown tool 'x': known tools are a, b, c".
  const Tool& get(std::string_view name) const;
  /// Sorted.
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Tool, std::less<>> tools_;
};

/// ./tools.toml if it exists, else the one installed with the program, else
/// (a build never installed) the source tree's.
std::filesystem::path default_tools_path();

}  // namespace tools
