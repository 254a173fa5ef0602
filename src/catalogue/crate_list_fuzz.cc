// libFuzzer target: arbitrary bytes as a crate-list file. Besides crashes,
// hangs and sanitizer reports it checks what `run` and `crates` rely on:
// every request is a valid name (and version text) on a line the file has,
// every error names the file and line and is one line of printable text
// (it goes to a terminal), the requests printed back read the same, and
// resolving against a catalogue gives only its crates, each once.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "catalogue/crate_list.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "crate_list_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

bool version_text(std::string_view version) {
  return !version.empty() && std::all_of(version.begin(), version.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '-' || c == '+';
  });
}

const catalogue::Catalogue& small_catalogue() {
  static const catalogue::Catalogue catalogue(
      {{"serde", "1.0.200", 90, ""}, {"a", "0.1.0", 5, ""}, {"rand_core", "0.6.4", 40, ""}},
      {{"serde", "1.0.100", 90, ""}, {"a", "0.0.1", 5, ""}});
  return catalogue;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const catalogue::CrateList list = catalogue::parse_crate_list(text, "list");
  const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;

  int previous_line = 1;
  for (const catalogue::CrateRequest& request : list.requests) {
    if (!catalogue::valid_crate_name(request.name)) fail("a request's name", request.name);
    if (request.version && !version_text(*request.version)) {
      fail("a request's version", *request.version);
    }
    if (request.line < previous_line || request.line > lines) fail("a request's line", text);
    previous_line = request.line;
  }
  for (const std::string& error : list.errors) {
    if (!error.starts_with("list:")) fail("an error without its origin", error);
    for (const char c : error) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) fail("a control byte in an error", error);
    }
  }

  // The requests, printed back one per line, read the same.
  std::string printed;
  for (const catalogue::CrateRequest& request : list.requests) {
    printed += request.name + (request.version ? "@" + *request.version : "") + "\n";
  }
  const catalogue::CrateList again = catalogue::parse_crate_list(printed, "printed");
  if (!again.errors.empty()) fail("printed requests refused", again.errors.front());
  if (again.requests.size() != list.requests.size()) fail("printed requests differ", printed);
  for (size_t i = 0; i < again.requests.size(); ++i) {
    if (again.requests[i].name != list.requests[i].name ||
        again.requests[i].version != list.requests[i].version) {
      fail("printed requests differ", printed);
    }
  }

  std::vector<std::string> errors;
  const std::vector<catalogue::Crate> crates = catalogue::resolve(list, small_catalogue(), errors);
  if (crates.size() + errors.size() > list.requests.size()) fail("more out than asked", text);
  for (size_t i = 0; i < crates.size(); ++i) {
    const catalogue::Crate& crate = crates[i];
    if (small_catalogue().find(crate.name, crate.version) == nullptr) {
      fail("a crate the catalogue does not have", crate.name);
    }
    for (size_t j = 0; j < i; ++j) {
      if (crates[j].name == crate.name && crates[j].version == crate.version) {
        fail("a crate twice", crate.name);
      }
    }
  }
  return 0;
}
