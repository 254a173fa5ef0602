#include "tools/tool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace tools {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

const fs::path kShipped = fs::path(CAH_SOURCE_DIR) / "tools.toml";

const ToolSet& shipped() {
  static const ToolSet tools = ToolSet::load(kShipped);
  return tools;
}

std::string error_of(std::string_view toml_text) {
  try {
    ToolSet::parse(toml_text, "t.toml");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

// A valid one-tool file with `extra` added to the tool's table and `command`
// replacing its command's body.
std::string tool_with(std::string_view extra,
                      std::string_view command = R"(args = ["cargo", "check"])") {
  return "[tools.t]\n"
         "toolchain = \"stable\"\n"
         "timeout = \"1m\"\n"
         "no_output_timeout = \"30s\"\n" +
         std::string(extra) + "\n[[tools.t.commands]]\n" + std::string(command) + "\n";
}

TEST(ShippedTools, AreExactlyTheSeven) {
  const ToolSet& tools = shipped();
  EXPECT_EQ(tools.names(),
            (std::vector<std::string>{"asan", "build", "check", "clippy", "doc", "miri", "test"}));
}

TEST(ShippedTools, CapLintsAtWarnEverywhere) {
  const ToolSet& tools = shipped();
  for (const std::string& name : tools.names()) {
    const Tool& tool = tools.get(name);
    SCOPED_TRACE(name);
    EXPECT_EQ(tool.name, name);
    EXPECT_FALSE(tool.description.empty());
    ASSERT_TRUE(tool.env.contains("RUSTFLAGS"));
    EXPECT_THAT(tool.env.at("RUSTFLAGS"), HasSubstr("--cap-lints=warn"));
    ASSERT_FALSE(tool.commands.empty());
    EXPECT_TRUE(tool.commands.back().show_output) << "the last command is the one that counts";
    EXPECT_GT(tool.timeout, 0s);
    EXPECT_GT(tool.no_output_timeout, 0s);
  }
}

TEST(ShippedTools, BacktracesEverywhere) {
  for (const std::string& name : shipped().names()) {
    EXPECT_EQ(shipped().get(name).env.at("RUST_BACKTRACE"), "1") << name;
  }
}

TEST(ShippedTools, Miri) {
  const Tool& miri = shipped().get("miri");
  EXPECT_EQ(miri.toolchain, "nightly");
  EXPECT_EQ(miri.env.at("MIRIFLAGS"),
            "-Zmiri-disable-isolation -Zmiri-ignore-leaks -Zmiri-num-cpus=64");
  EXPECT_THAT(miri.env.at("RUSTFLAGS"), HasSubstr("-Zrandomize-layout"));
  EXPECT_EQ(miri.env.at("MIRI_SYSROOT"), "{setup}/miri-sysroot");
  ASSERT_EQ(miri.setup.size(), 1u);
  EXPECT_EQ(miri.setup[0].args,
            (std::vector<std::string>{"cargo", "+{toolchain}", "miri", "setup"}));
  EXPECT_TRUE(miri.setup_needs_network());

  ASSERT_EQ(miri.commands.size(), 4u);
  EXPECT_FALSE(miri.commands[0].show_output);
  EXPECT_EQ(miri.commands[0].args, (std::vector<std::string>{"cargo", "+{toolchain}", "miri",
                                                             "test", "--no-run", "{crate_args}"}));
  // With nextest: one interpreter per test, then the doctests.
  EXPECT_EQ(miri.commands[1].args,
            (std::vector<std::string>{"cargo", "+{toolchain}", "miri", "nextest", "run",
                                      "--no-fail-fast", "{crate_args}"}));
  EXPECT_EQ(miri.commands[1].when_available, "cargo-nextest");
  EXPECT_EQ(miri.commands[2].args,
            (std::vector<std::string>{"cargo", "+{toolchain}", "miri", "test", "--doc",
                                      "--no-fail-fast", "{crate_args}"}));
  EXPECT_EQ(miri.commands[2].when_available, "cargo-nextest");
  // Without: cargo miri test, doctests included.
  EXPECT_EQ(miri.commands[3].args,
            (std::vector<std::string>{"cargo", "+{toolchain}", "miri", "test", "--no-fail-fast",
                                      "{crate_args}"}));
  EXPECT_EQ(miri.commands[3].unless_available, "cargo-nextest");
  EXPECT_EQ(miri.commands[3].when_available, "");

  const std::vector<Invocation> setup = miri.expand_setup({.target = "x"});
  ASSERT_EQ(setup.size(), 1u);
  EXPECT_EQ(setup[0].argv, (std::vector<std::string>{"cargo", "+nightly", "miri", "setup"}));
  EXPECT_EQ(setup[0].env.at("MIRI_SYSROOT"), "/opt/setup/miri-sysroot");
  EXPECT_EQ(setup[0].timeout, 1h);
}

TEST(ShippedTools, Asan) {
  const Tool& asan = shipped().get("asan");
  EXPECT_EQ(asan.toolchain, "nightly");
  EXPECT_THAT(asan.env.at("RUSTFLAGS"), HasSubstr("-Zsanitizer=address"));
  EXPECT_THAT(asan.env.at("RUSTDOCFLAGS"), HasSubstr("-Zsanitizer=address"));
  EXPECT_EQ(asan.env.at("ASAN_OPTIONS"),
            "detect_leaks=0:detect_stack_use_after_return=true:allocator_may_return_null=1:"
            "detect_invalid_pointer_pairs=2");
  EXPECT_EQ(asan.env.at("RUST_MIN_STACK"), "1073741824");
  for (const Command& command : asan.commands) {
    EXPECT_THAT(command.args, ::testing::Contains("{target}"));
  }
  EXPECT_THAT(asan.commands.back().args, ::testing::Contains("--color=always"));
}

TEST(ShippedTools, OnlyMiriHasSetup) {
  for (const std::string& name : shipped().names()) {
    EXPECT_EQ(shipped().get(name).setup.empty(), name != "miri") << name;
  }
}

TEST(Expand, SubstitutesEveryPlaceholder) {
  const Tool& asan = shipped().get("asan");
  const std::vector<Invocation> runs =
      asan.expand({.target = "x86_64-unknown-linux-gnu", .crate_args = {"--features", "a b"}});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].argv,
            (std::vector<std::string>{"cargo", "+nightly", "test", "--no-run", "--target",
                                      "x86_64-unknown-linux-gnu", "--features", "a b"}));
  EXPECT_FALSE(runs[0].show_output);
  EXPECT_EQ(runs[1].argv, (std::vector<std::string>{
                              "cargo", "+nightly", "test", "--color=always", "--no-fail-fast",
                              "--target", "x86_64-unknown-linux-gnu", "--features", "a b"}));
  EXPECT_TRUE(runs[1].show_output);
  EXPECT_EQ(runs[1].env, asan.env);
  EXPECT_EQ(runs[1].timeout, 1h);
  EXPECT_EQ(runs[1].no_output_timeout, 15min);
}

TEST(Expand, NoCrateArgsLeavesNoArg) {
  const Tool& check = shipped().get("check");
  const std::vector<Invocation> runs = check.expand({});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].argv, (std::vector<std::string>{"cargo", "+stable", "check"}));
}

TEST(Expand, InsideArgsAndEnvAndPerCommandTimeout) {
  const ToolSet tools = ToolSet::parse(
      tool_with("env = { OUT = \"/out/{target}/{toolchain}\" }",
                "args = [\"x\", \"--target={target}\", \"+{toolchain}{toolchain}\"]\n"
                "timeout = \"2h\""),
      "t.toml");
  const std::vector<Invocation> runs = tools.get("t").expand({.target = "wasm32"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].argv, (std::vector<std::string>{"x", "--target=wasm32", "+stablestable"}));
  EXPECT_EQ(runs[0].env.at("OUT"), "/out/wasm32/stable");
  EXPECT_EQ(runs[0].timeout, 2h);
  EXPECT_EQ(runs[0].no_output_timeout, 30s);
}

TEST(Expand, TargetNeededButMissing) {
  const Tool& asan = shipped().get("asan");
  try {
    asan.expand({});
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "tool 'asan' needs a target triple for {target}");
  }
}

TEST(ToolSet, UnknownToolListsTheKnownOnes) {
  const ToolSet& tools = shipped();
  try {
    tools.get("mirri");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(
        e.what(),
        "unknown tool 'mirri': known tools are asan, build, check, clippy, doc, miri, test");
  }
}

TEST(ToolSet, ADefaultsAndAUserTool) {
  const ToolSet tools = ToolSet::parse(tool_with(""), "t.toml");
  const Tool& tool = tools.get("t");
  EXPECT_EQ(tool.description, "");
  EXPECT_TRUE(tool.env.empty());
  EXPECT_EQ(tool.timeout, 1min);
  ASSERT_EQ(tool.commands.size(), 1u);
  EXPECT_TRUE(tool.commands[0].show_output);
  EXPECT_EQ(tool.commands[0].timeout, std::nullopt);
}

TEST(ToolSet, LoadFailures) {
  try {
    ToolSet::load("/nonexistent/tools.toml");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot read tools file '/nonexistent/tools.toml'");
  }
  const fs::path file =
      fs::temp_directory_path() / ("cah-tools-test-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(file) << tool_with("timout = \"1m\"");
  try {
    ToolSet::load(file);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file.string() + ":5: tools.t.timout: unknown key"));
  }
  fs::remove(file);
}

TEST(Validation, TomlSyntax) {
  EXPECT_EQ(error_of("[tools.t\n"),
            "t.toml:1:9: Error while parsing table header: expected \']\', saw \'\\n\'");
}

TEST(Validation, FileLevel) {
  EXPECT_EQ(error_of(""), "t.toml:1: tools: missing; expected [tools.NAME] tables");
  EXPECT_EQ(error_of("tools = 1\n"), "t.toml:1: tools: expected a table, got integer");
  EXPECT_EQ(error_of("[tools]\n"), "t.toml:1: tools: no tools defined");
  EXPECT_EQ(error_of("tool = {}\n" + tool_with("")), "t.toml:1: tool: unknown key; expected tools");
  EXPECT_EQ(error_of("[tools.Miri]\n"),
            "t.toml:1: tools.Miri: a tool name is lowercase letters, digits, \'-\' and \'_\'");
  EXPECT_EQ(error_of("[tools]\nt = \"cargo\"\n"),
            "t.toml:2: tools.t: expected a table, got string");
}

TEST(Validation, ToolFields) {
  EXPECT_EQ(error_of(tool_with("timout = \"1m\"")),
            "t.toml:5: tools.t.timout: unknown key; expected one of commands, description, env, "
            "no_output_timeout, setup, timeout, toolchain");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"stable\"\ntimeout = \"1m\"\n"),
            "t.toml:1: tools.t.no_output_timeout: missing");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"stable\"\ntimeout = \"1m\"\n"
                     "no_output_timeout = \"1m\"\n"),
            "t.toml:1: tools.t.commands: missing");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"stable\"\ntimeout = \"1m\"\n"
                     "no_output_timeout = \"1m\"\ncommands = []\n"),
            "t.toml:5: tools.t.commands: must have at least one command");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"stable\"\ntimeout = \"1m\"\n"
                     "no_output_timeout = \"1m\"\ncommands = \"cargo check\"\n"),
            "t.toml:5: tools.t.commands: expected [[tools.t.commands]] tables, got string");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"\"\ntimeout = \"1m\"\n"
                     "no_output_timeout = \"1m\"\n[[tools.t.commands]]\nargs = [\"x\"]\n"),
            "t.toml:2: tools.t.toolchain: must not be empty");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = 1\n"),
            "t.toml:2: tools.t.toolchain: expected a string, got integer");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"stable\"\ntimeout = 60\n"),
            "t.toml:3: tools.t.timeout: expected a duration string like \"15m\", got integer");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"stable\"\ntimeout = \"1 hour\"\n"),
            "t.toml:3: tools.t.timeout: invalid duration '1 hour': expected seconds, or whole "
            "numbers with units d, h, m, s like 90s, 15m or 1h30m");
  EXPECT_EQ(error_of("[tools.t]\ntoolchain = \"stable\"\ntimeout = \"0s\"\n"),
            "t.toml:3: tools.t.timeout: must be longer than 0s");
  EXPECT_EQ(error_of(tool_with("env = { RUST_MIN_STACK = 1073741824 }")),
            "t.toml:5: tools.t.env.RUST_MIN_STACK: expected a string, got integer");
  EXPECT_EQ(error_of(tool_with("env = \"A=1\"")),
            "t.toml:5: tools.t.env: expected a table, got string");
  EXPECT_EQ(error_of(tool_with("env = { A = \"{crate_args}\" }")),
            "t.toml:5: tools.t.env.A: {crate_args} is only allowed in args");
}

TEST(Validation, CommandFields) {
  EXPECT_EQ(error_of(tool_with("", "")), "t.toml:6: tools.t.commands[0].args: missing");
  EXPECT_EQ(error_of(tool_with("", "args = []")),
            "t.toml:7: tools.t.commands[0].args: must not be empty");
  EXPECT_EQ(error_of(tool_with("", "args = \"cargo check\"")),
            "t.toml:7: tools.t.commands[0].args: expected an array of strings, got string");
  EXPECT_EQ(error_of(tool_with("", "args = [\"cargo\", 1]")),
            "t.toml:7: tools.t.commands[0].args[1]: expected a string, got integer");
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\"]\nshow_output = \"no\"")),
            "t.toml:8: tools.t.commands[0].show_output: expected a boolean, got string");
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\"]\ntimeout = \"5\"\nshow = false")),
            "t.toml:9: tools.t.commands[0].show: unknown key; expected one of args, show_output, "
            "timeout, unless_available, when_available");
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\"]\ntimeout = \"5y\"")),
            "t.toml:8: tools.t.commands[0].timeout: invalid duration '5y': expected seconds, or "
            "whole numbers with units d, h, m, s like 90s, 15m or 1h30m");
}

TEST(Validation, Placeholders) {
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\", \"{crate}\"]")),
            "t.toml:7: tools.t.commands[0].args[1]: unknown placeholder {crate}; known are "
            "{toolchain}, {target}, {setup}, {crate_args}");
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\", \"{target\"]")),
            "t.toml:7: tools.t.commands[0].args[1]: unterminated placeholder in '{target'");
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\", \"--features={crate_args}\"]")),
            "t.toml:7: tools.t.commands[0].args[1]: {crate_args} must be an arg on its own, not "
            "part of one");
  EXPECT_EQ(error_of(tool_with("env = { A = \"{TARGET}\" }")),
            "t.toml:5: tools.t.env.A: unknown placeholder {TARGET}; known are {toolchain}, "
            "{target}, {setup}, {crate_args}");
}

TEST(Validation, Availability) {
  const ToolSet tools = ToolSet::parse(
      tool_with("",
                "args = [\"a\"]\nwhen_available = \"cargo-nextest\"\n"
                "[[tools.t.commands]]\nargs = [\"b\"]\nunless_available = \"cargo-nextest\""),
      "t.toml");
  const std::vector<Invocation> runs = tools.get("t").expand({});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].when_available, "cargo-nextest");
  EXPECT_EQ(runs[0].unless_available, "");
  EXPECT_EQ(runs[1].unless_available, "cargo-nextest");
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\"]\nwhen_available = \"/usr/bin/x\"")),
            "t.toml:8: tools.t.commands[0].when_available: expected a program's name, looked up "
            "in PATH");
  EXPECT_EQ(error_of(tool_with("", "args = [\"x\"]\nunless_available = true")),
            "t.toml:8: tools.t.commands[0].unless_available: expected a string, got boolean");
}

TEST(Setup, StepsWithTheirPlaceholdersTimeoutAndNetwork) {
  const ToolSet tools = ToolSet::parse(
      tool_with("env = { SYSROOT = \"{setup}/sysroot\" }\n"
                "[[tools.t.setup]]\nargs = [\"sh\", \"-c\", \"echo {toolchain} > {setup}/m\"]\n"
                "[[tools.t.setup]]\nargs = [\"fetch\", \"{target}\"]\ntimeout = \"5m\"\n"
                "network = true",
                "args = [\"cat\", \"{setup}/m\", \"{crate_args}\"]"),
      "t.toml");
  const Tool& tool = tools.get("t");
  EXPECT_TRUE(tool.setup_needs_network());
  const std::vector<Invocation> steps = tool.expand_setup({.target = "wasm32", .setup = "/s"});
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].argv, (std::vector<std::string>{"sh", "-c", "echo stable > /s/m"}));
  EXPECT_EQ(steps[0].env.at("SYSROOT"), "/s/sysroot");
  EXPECT_EQ(steps[0].timeout, 1min);
  EXPECT_TRUE(steps[0].show_output);
  EXPECT_EQ(steps[1].argv, (std::vector<std::string>{"fetch", "wasm32"}));
  EXPECT_EQ(steps[1].timeout, 5min);
  const std::vector<Invocation> runs = tool.expand({.crate_args = {"--all-features"}});
  EXPECT_EQ(runs[0].argv, (std::vector<std::string>{"cat", "/opt/setup/m", "--all-features"}));
  EXPECT_EQ(runs[0].env.at("SYSROOT"), "/opt/setup/sysroot");

  const ToolSet offline =
      ToolSet::parse(tool_with("[[tools.t.setup]]\nargs = [\"x\"]\nnetwork = false"), "t.toml");
  EXPECT_FALSE(offline.get("t").setup_needs_network());
  EXPECT_TRUE(ToolSet::parse(tool_with(""), "t.toml").get("t").setup.empty());
}

TEST(Setup, Validation) {
  EXPECT_EQ(error_of(tool_with("[[tools.t.setup]]\nargs = [\"x\", \"{crate_args}\"]")),
            "t.toml:6: tools.t.setup[0].args[1]: {crate_args} is not allowed in setup: no crate "
            "is there");
  EXPECT_EQ(error_of(tool_with("[[tools.t.setup]]\nargs = [\"x\"]\nnetwork = \"yes\"")),
            "t.toml:7: tools.t.setup[0].network: expected a boolean, got string");
  EXPECT_EQ(error_of(tool_with("[[tools.t.setup]]\nargs = [\"x\"]\nshow_output = false")),
            "t.toml:7: tools.t.setup[0].show_output: unknown key; expected one of args, network, "
            "timeout");
  EXPECT_EQ(error_of(tool_with("[[tools.t.setup]]\nargs = []")),
            "t.toml:6: tools.t.setup[0].args: must not be empty");
  EXPECT_EQ(error_of(tool_with("setup = \"cargo miri setup\"")),
            "t.toml:5: tools.t.setup: expected [[tools.t.setup]] tables, got string");
  // {setup} names a folder only a tool with setup steps has.
  EXPECT_EQ(error_of(tool_with("env = { S = \"{setup}/x\" }")),
            "t.toml:5: tools.t.env.S: {setup} needs setup steps ([[tools.t.setup]])");
  EXPECT_EQ(error_of(tool_with("", "args = [\"cat\", \"{setup}/m\"]")),
            "t.toml:7: tools.t.commands.args: {setup} needs setup steps ([[tools.t.setup]])");
}

TEST(ToolsFile, RefusesTimeoutsThatWouldWrapAndEmptyPrograms) {
  EXPECT_THAT(error_of(tool_with("", R"(args = ["cargo"]
timeout = "4294967297s")")),
              HasSubstr("must be at most 30d"));
  EXPECT_THAT(error_of(tool_with("", R"(args = ["cargo"]
timeout = "31d")")),
              HasSubstr("must be at most 30d"));
  EXPECT_THAT(error_of(tool_with("", R"(args = [""])")),
              HasSubstr("the program must not be empty"));
  EXPECT_EQ(error_of(tool_with("", R"(args = ["cargo", ""]
timeout = "30d")")),
            "no error");
}

}  // namespace
}  // namespace tools
