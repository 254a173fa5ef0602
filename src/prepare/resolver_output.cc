#include "prepare/resolver_output.h"

#include <string>
#include <vector>

namespace prepare {
namespace {

/// `text` without ANSI escape sequences (cargo colours its output).
std::string plain(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && (text[i] < '@' || text[i] > '~')) ++i;
      continue;
    }
    if (text[i] != '\r') out += text[i];
  }
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string trimmed(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const size_t last = line.find_last_not_of(" \t");
  return std::string(line.substr(first, last - first + 1));
}

/// The first line starting with `prefix`, trimmed; "" if none.
std::string line_starting(const std::vector<std::string>& lines, std::string_view prefix) {
  for (const std::string& line : lines) {
    std::string text = trimmed(line);
    if (text.starts_with(prefix)) return text;
  }
  return {};
}

bool has(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

/// "error: X" and "required by package `foo v1.0.0 (...)`" as one line.
std::string detail(const std::vector<std::string>& lines, const std::string& error_line) {
  std::string text = error_line.starts_with("error: ") ? error_line.substr(7) : error_line;
  std::string required = line_starting(lines, "required by package");
  if (!required.empty()) {
    // Drop the local path cargo adds: "`foo v1.0.0 (/tmp/...)`".
    if (const size_t open = required.find(" ("); open != std::string::npos) {
      const size_t close = required.find(')', open);
      if (close != std::string::npos) required.erase(open, close - open + 1);
    }
    text += " (" + required + ")";
  }
  return text;
}

}  // namespace

std::optional<result::Broken> broken_by_resolution(std::string_view output) {
  const std::string text = plain(output);
  const std::vector<std::string> lines = lines_of(text);
  if (const std::string error = line_starting(lines, "error: no matching package named");
      !error.empty()) {
    return result::Broken{"missing-dependency", detail(lines, error)};
  }
  // The same when cargo has a guess at a misspelling: "no matching package
  // found" with the name on the next line.
  if (const std::string error = line_starting(lines, "error: no matching package found");
      !error.empty()) {
    const std::string searched = line_starting(lines, "searched package name:");
    const std::string name = searched.empty() ? "" : trimmed(searched.substr(22));
    return result::Broken{"missing-dependency",
                          detail(lines, "no matching package named " + name + " found")};
  }
  if (const std::string error =
          line_starting(lines, "error: failed to select a version for the requirement");
      !error.empty()) {
    const bool yanked = has(text, " is yanked");
    const bool other_versions = has(text, "candidate versions found which didn't match");
    if (yanked && !other_versions) return result::Broken{"yanked", detail(lines, error)};
    std::string what = detail(lines, error);
    const std::string candidates = line_starting(lines, "candidate versions found");
    if (!candidates.empty()) what += "; " + candidates;
    return result::Broken{yanked ? "yanked" : "missing-version", what};
  }
  if (has(text, "which could resolve this conflict")) {
    return result::Broken{"dependency-conflict",
                          detail(lines, line_starting(lines, "error: failed to select a version"))};
  }
  return std::nullopt;
}

result::Broken broken_by_manifest(std::string_view output) {
  const std::string text = plain(output);
  const std::vector<std::string> lines = lines_of(text);
  std::string error = line_starting(lines, "error: ");
  if (error.empty()) error = "cargo cannot read the manifest";
  std::string what = error.starts_with("error: ") ? error.substr(7) : error;
  // The first cause names the problem more precisely.
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (trimmed(lines[i]) == "Caused by:") {
      what += ": " + trimmed(lines[i + 1]);
      break;
    }
  }
  if (has(text, "onsider trying a newer version of Cargo") ||
      has(text, "requires a nightly version of Cargo")) {
    return {"rust-version", what};
  }
  return {"manifest", what};
}

}  // namespace prepare
