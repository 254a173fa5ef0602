#include "diagnosis/ub_kinds.h"

#include <algorithm>
#include <initializer_list>

#include "diagnosis/cause.h"

namespace diagnosis {
namespace {

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool has_any(std::string_view text, std::initializer_list<std::string_view> parts) {
  return std::any_of(parts.begin(), parts.end(), [&](auto part) { return has(text, part); });
}

std::string stacked_borrows_kind(std::string_view message) {
  if (has_any(message, {"retag", "reborrow"})) return "Stacked Borrows: retag";
  if (has(message, "protected")) return "Stacked Borrows: protector";
  if (has(message, "deallocat")) return "Stacked Borrows: deallocation";
  if (has(message, "read access")) return "Stacked Borrows: read";
  if (has(message, "write access")) return "Stacked Borrows: write";
  return "Stacked Borrows";
}

std::string tree_borrows_kind(std::string_view message) {
  if (has(message, "reborrow")) return "Tree Borrows: reborrow";
  if (has(message, "read access")) return "Tree Borrows: read";
  if (has(message, "write access")) return "Tree Borrows: write";
  if (has(message, "deallocation")) return "Tree Borrows: deallocation";
  return "Tree Borrows";
}

// For messages no rule knows: the words before the first ':' or ',', less
// those with digits in them (addresses, allocation ids, tags, sizes).
std::string first_clause(std::string_view message) {
  message = message.substr(0, message.find_first_of(":,"));
  std::string kind;
  while (!message.empty()) {
    const size_t space = message.find(' ');
    const std::string_view word = message.substr(0, space);
    message = space == std::string_view::npos ? "" : message.substr(space + 1);
    if (word.empty() || word.find_first_of("0123456789") != std::string_view::npos) continue;
    if (!kind.empty()) kind += ' ';
    kind += word;
    if (kind.size() > 80) break;
  }
  return kind.empty() ? "undefined behavior" : valid_utf8(kind);
}

bool is_asan_word(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

}  // namespace

std::string miri_kind(std::string_view message, Aliasing aliasing) {
  const std::string_view m = message;
  if (has(m, "Data race detected")) return "data race";
  // Stacked Borrows items read "[Unique for <TAG>]".
  if (aliasing == Aliasing::kStackedBorrows ||
      has_any(m, {"borrow stack", "only grants", " for <"})) {
    return stacked_borrows_kind(m);
  }
  if (aliasing == Aliasing::kTreeBorrows || (has(m, " through ") && has(m, " is forbidden"))) {
    return tree_borrows_kind(m);
  }
  // The order matters: "null pointer is a dangling pointer", "encountered a
  // dangling reference (going beyond the bounds of its allocation)".
  if (has(m, "uninitialized")) return "uninitialized memory";
  if (has_any(m, {"null reference", "null box", "null function pointer"})) return "null reference";
  if (has(m, "null pointer")) return "null pointer dereference";
  if (has_any(m, {"dangling reference", "dangling box"})) return "dangling reference";
  if (has_any(m, {"has been freed", "got freed", "use-after-free", "dangling"})) {
    return "dangling pointer";
  }
  if (has_any(m, {"pointer arithmetic", "offset_from"})) return "invalid pointer offset";
  if (has_any(m, {"out-of-bounds", "end of the allocation", "beginning of the allocation",
                  "must be in-bounds"})) {
    return "out-of-bounds access";
  }
  if (has_any(m, {"unaligned reference", "unaligned box"})) return "unaligned reference";
  if (has(m, "with alignment") && has(m, "is required")) return "misaligned pointer dereference";
  if (has(m, "incorrect layout on deallocation")) return "incorrect layout on deallocation";
  if (has_any(m, {"calling a function with", "calling a function whose"})) return "ABI mismatch";
  if (has_any(m, {"constructing invalid value", "type validation failed", "encountered "})) {
    return "invalid value";
  }
  return first_clause(m);
}

std::string asan_kind(std::string_view message) {
  const std::string_view m = trim(message);
  if (m.starts_with("attempting double-free")) return "double-free";
  if (m.starts_with("attempting free on address which was not malloc")) return "bad-free";
  if (has(m, "requested allocation size")) return "allocation-size-too-big";
  if (has_any(m, {"out of memory", "rss limit exhausted"})) return "";
  std::string_view word = m.substr(0, m.find(' '));
  if (word.ends_with(':')) word.remove_suffix(1);
  if (!is_asan_word(word)) return first_clause(m);
  if (word == "heap-use-after-free") return "use-after-free";
  // "SEGV on unknown address 0x000000000000 (pc ...)"
  constexpr std::string_view kUnknown = " on unknown address";
  if (m.substr(word.size()).starts_with(kUnknown)) return std::string(word) + std::string(kUnknown);
  return std::string(word);
}

std::string precondition_kind(std::string_view message) {
  constexpr std::string_view kKind = "unsafe precondition violated";
  // "slice::from_raw_parts requires the pointer to be aligned and non-null, ..."
  const std::string_view function = message.substr(0, message.find(' '));
  const bool is_path = !function.empty() && function.size() <= 80 &&
                       std::all_of(function.begin(), function.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '<' ||
                                c == '>';
                       });
  if (!is_path) return std::string(kKind);
  return std::string(kKind) + ": " + std::string(function);
}

}  // namespace diagnosis
