#include "agent/crate_args.h"

#include <toml++/toml.h>

#include <array>
#include <fstream>
#include <sstream>
#include <utility>

namespace agent {
namespace {

// Features reach cargo as one argument that it splits at commas, and a
// leading '-' could turn a feature into an option of its own.
std::string_view why_bad_feature(std::string_view feature) {
  if (feature.empty()) return "is empty";
  if (feature.front() == '-') return "starts with '-'";
  for (const char c : feature) {
    if (c == ',') return "contains a comma";
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= ' ' || byte == 0x7f) return "contains whitespace or a control character";
  }
  return {};
}

class ArgsReader {
 public:
  ArgsReader(std::string_view origin, std::string table, CrateArgs& out)
      : origin_(origin), table_(std::move(table)), out_(out) {}

  void features(const toml::node* node) {
    if (node == nullptr) return;
    const toml::array* array = node->as_array();
    const bool strings = array != nullptr && array->is_homogeneous(toml::node_type::string);
    if (!strings && !(array != nullptr && array->empty())) {
      warn("features", "is not an array of strings; ignored");
      return;
    }
    std::string joined;
    for (const toml::node& element : *array) {
      const std::string& feature = element.as_string()->get();
      if (const std::string_view why = why_bad_feature(feature); !why.empty()) {
        warn("features", "\"" + feature + "\" " + std::string(why) + "; dropped");
        continue;
      }
      if (!joined.empty()) joined += ',';
      joined += feature;
    }
    if (!joined.empty()) out_.args.push_back("--features=" + joined);
  }

  void flag(const toml::node* node, std::string_view key, std::string_view arg) {
    if (node == nullptr) return;
    if (!node->is_boolean()) {
      warn(key, "is not true or false; ignored");
      return;
    }
    if (node->as_boolean()->get()) out_.args.emplace_back(arg);
  }

 private:
  void warn(std::string_view key, std::string_view what) {
    out_.warnings.push_back(std::string(origin_) + ": [" + table_ + "] " + std::string(key) + " " +
                            std::string(what));
  }

  std::string_view origin_;
  std::string table_;
  CrateArgs& out_;
};

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

bool is_release_number(std::string_view name) {
  return !name.empty() && name.front() >= '0' && name.front() <= '9';
}

}  // namespace

bool accepts_unstable_features(std::string_view toolchain, std::string_view rustc_bootstrap) {
  if (rustc_bootstrap == "1") return true;
  const std::string_view channel = toolchain.substr(0, toolchain.find('-'));
  return !(channel == "stable" || channel == "beta" || is_release_number(channel));
}

CrateArgs crate_args(std::string_view manifest, std::string_view origin,
                     const ArgsToolchain& toolchain) {
  CrateArgs out;
  toml::table root;
  try {
    root = toml::parse(manifest, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    out.warnings.push_back(std::string(origin) + ": not TOML (" + std::string(e.description()) +
                           " at " + where.str() + "); no cargo arguments");
    return out;
  }
  const toml::node_view metadata = root["package"]["metadata"];
  struct Candidate {
    toml::node_view<toml::node> node;
    std::string_view name;
    bool for_nightly;  // docs.rs builds on nightly; the playground on every channel
  };
  const std::array<Candidate, 3> candidates{{
      {metadata["docs"]["rs"], "package.metadata.docs.rs", true},
      {metadata["docs-rs"], "package.metadata.docs-rs", true},
      {metadata["playground"], "package.metadata.playground", false},
  }};
  for (const auto& [node, name, for_nightly] : candidates) {
    if (!node) continue;
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      out.warnings.push_back(std::string(origin) + ": " + std::string(name) +
                             " is not a table; ignored");
      continue;
    }
    CrateArgs read;
    ArgsReader reader(origin, std::string(name), read);
    reader.features(table->get("features"));
    reader.flag(table->get("all-features"), "all-features", "--all-features");
    reader.flag(table->get("no-default-features"), "no-default-features", "--no-default-features");
    if (for_nightly && !toolchain.unstable) {
      // Only a table that asks for something is worth a note; its warnings
      // do not matter, since none of it applies.
      if (!read.args.empty() && out.note.empty()) {
        out.note = "docs.rs metadata (" + joined(read.args) +
                   ") not applied: it is meant for nightly and the toolchain is " + toolchain.name;
      }
      continue;
    }
    out.table = name;
    out.args = std::move(read.args);
    out.warnings.insert(out.warnings.end(), read.warnings.begin(), read.warnings.end());
    break;
  }
  return out;
}

CrateArgs read_crate_args(const std::filesystem::path& manifest, const ArgsToolchain& toolchain) {
  std::ifstream in(manifest, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    CrateArgs out;
    out.warnings.push_back(manifest.string() + ": cannot be read; no cargo arguments");
    return out;
  }
  return crate_args(text.str(), manifest.string(), toolchain);
}

}  // namespace agent
