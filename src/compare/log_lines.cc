#include "compare/log_lines.h"

#include <cctype>

#include "diagnosis/terminal_lines.h"

namespace compare {
namespace {

bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

struct LineSink {
  LogLines& out;
  size_t max_lines;
  void add(std::string_view line) {
    if (out.lines.size() < max_lines) {
      out.lines.emplace_back(line);
    } else {
      out.truncated = true;
    }
  }
};

}  // namespace

LogLines log_lines(std::string_view raw, size_t max_lines) {
  LogLines out;
  LineSink sink{out, max_lines};
  diagnosis::TerminalLines lines;
  while (auto line = lines.next(raw)) sink.add(*line);
  if (auto last = lines.finish()) sink.add(*last);
  return out;
}

LogLines read_log_lines(store::Store& store, std::string_view key, size_t max_lines) {
  LogLines out;
  LineSink sink{out, max_lines};
  diagnosis::TerminalLines lines;
  store.read(key, [&](std::string_view bytes) {
    while (auto line = lines.next(bytes)) sink.add(*line);
  });
  if (auto last = lines.finish()) sink.add(*last);
  return out;
}

std::string normalized(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  size_t i = 0;
  while (i < line.size()) {
    const bool starts_word = i == 0 || !word(line[i - 1]);
    // 0x7ffd5a3c: an address.
    if (starts_word && line.substr(i).starts_with("0x") && i + 2 < line.size() &&
        hex_digit(line[i + 2])) {
      size_t end = i + 2;
      while (end < line.size() && hex_digit(line[end])) ++end;
      out += "0x_";
      i = end;
      continue;
    }
    // 1.52s, 30ms, 0.1µs: a duration.
    if (starts_word && digit(line[i])) {
      size_t end = i;
      while (end < line.size() && (digit(line[end]) || line[end] == '.')) ++end;
      const std::string_view rest = line.substr(end);
      bool duration = false;
      for (const std::string_view unit : {"ms", "µs", "us", "ns", "s"}) {
        if (rest.starts_with(unit) &&
            (end + unit.size() == line.size() || !word(line[end + unit.size()]))) {
          out += "_";
          out += unit;
          i = end + unit.size();
          duration = true;
          break;
        }
      }
      if (!duration) {
        out.append(line.substr(i, end - i));
        i = end;
      }
      continue;
    }
    out += line[i];
    ++i;
  }
  return out;
}

std::optional<size_t> first_difference(const std::vector<std::string>& a,
                                       const std::vector<std::string>& b) {
  const size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    if (a[i] != b[i] && normalized(a[i]) != normalized(b[i])) return i;
  }
  if (a.size() != b.size()) return common;
  return std::nullopt;
}

}  // namespace compare
