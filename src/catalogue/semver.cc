#include "catalogue/semver.h"

#include <algorithm>
#include <charconv>

namespace catalogue {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_identifier_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/// A numeric part or numeric identifier: "0" or no leading zero, and it fits.
std::optional<uint64_t> parse_number(std::string_view digits) {
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

/// Takes text up to (not including) the first of `stops`, or all of it.
std::string_view take_until(std::string_view& text, std::string_view stops) {
  const size_t end = std::min(text.find_first_of(stops), text.size());
  const std::string_view taken = text.substr(0, end);
  text.remove_prefix(end);
  return taken;
}

/// Dot-separated, non-empty identifiers of [0-9A-Za-z-], calling `each` on
/// every one; false if one is malformed or `each` refuses it.
template <typename Each>
bool for_each_identifier(std::string_view list, Each each) {
  while (true) {
    const std::string_view id = take_until(list, ".");
    if (id.empty() || !std::all_of(id.begin(), id.end(), is_identifier_char)) return false;
    if (!each(id)) return false;
    if (list.empty()) return true;
    list.remove_prefix(1);  // the '.'
  }
}

int sign_of(std::weak_ordering order) {
  if (std::is_lt(order)) return -1;
  return std::is_gt(order) ? 1 : 0;
}

/// Byte order, as unsigned chars (string_view's compare uses char_traits,
/// which compares as unsigned).
int compare_bytes(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return (c > 0) - (c < 0);
}

/// compare_versions with the parse of each side already done (nullopt: not
/// SemVer).
int compare_parsed(std::string_view a, const std::optional<SemVer>& pa, std::string_view b,
                   const std::optional<SemVer>& pb) {
  if (pa && pb) {
    const int c = sign_of(*pa <=> *pb);
    return c != 0 ? c : compare_bytes(a, b);
  }
  if (pa.has_value() != pb.has_value()) return pa ? 1 : -1;
  return compare_bytes(a, b);
}

}  // namespace

std::optional<SemVer> SemVer::parse(std::string_view text) {
  SemVer v;
  uint64_t* const core[] = {&v.major, &v.minor, &v.patch};
  for (size_t i = 0; i < 3; ++i) {
    const auto number = parse_number(take_until(text, i < 2 ? "." : "-+"));
    if (!number) return std::nullopt;
    *core[i] = *number;
    if (i < 2) {
      if (text.empty() || text[0] != '.') return std::nullopt;
      text.remove_prefix(1);
    }
  }
  if (!text.empty() && text[0] == '-') {
    text.remove_prefix(1);
    const bool ok = for_each_identifier(take_until(text, "+"), [&](std::string_view id) {
      if (!std::all_of(id.begin(), id.end(), is_digit)) {
        v.pre.emplace_back(std::string(id));
        return true;
      }
      const auto number = parse_number(id);
      if (number) v.pre.emplace_back(*number);
      return number.has_value();
    });
    if (!ok) return std::nullopt;
  }
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
    if (!for_each_identifier(text, [](std::string_view) { return true; })) return std::nullopt;
    v.build = std::string(text);
    text = {};
  }
  if (!text.empty()) return std::nullopt;
  return v;
}

std::weak_ordering operator<=>(const SemVer& a, const SemVer& b) {
  if (auto c = a.major <=> b.major; std::is_neq(c)) return c;
  if (auto c = a.minor <=> b.minor; std::is_neq(c)) return c;
  if (auto c = a.patch <=> b.patch; std::is_neq(c)) return c;
  // A release is higher than any of its pre-releases.
  if (a.pre.empty() || b.pre.empty()) return a.pre.empty() <=> b.pre.empty();
  // Identifier by identifier; a shorter list that is a prefix is lower.
  return std::lexicographical_compare_three_way(a.pre.begin(), a.pre.end(), b.pre.begin(),
                                                b.pre.end());
}

int compare_versions(std::string_view a, std::string_view b) {
  return compare_parsed(a, SemVer::parse(a), b, SemVer::parse(b));
}

bool BestVersion::offer(std::string_view version, bool yanked) {
  if (yanked) return false;
  const std::optional<SemVer> parsed = SemVer::parse(version);
  Kind kind = Kind::kUnparsable;
  if (parsed) kind = parsed->is_prerelease() ? Kind::kPreRelease : Kind::kStable;
  if (kind < kind_) return false;
  if (kind == kind_) {
    // Same kind: the best so far parses exactly when the offer does. Parsing
    // it again here keeps a crate's state to one string.
    const std::optional<SemVer> best = parsed ? SemVer::parse(version_) : std::nullopt;
    if (compare_parsed(version, parsed, version_, best) <= 0) return false;
  }
  version_.assign(version);
  kind_ = kind;
  return true;
}

}  // namespace catalogue
