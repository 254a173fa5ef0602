#include "catalogue/csv.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace catalogue {
namespace {

// The bytes that end a run of an unquoted field.
constexpr auto kUnquotedStop = [] {
  std::array<bool, 256> stop{};
  for (unsigned char c : {',', '\n', '\r', '"'}) stop[c] = true;
  return stop;
}();

std::string quoted(std::string_view text) { return '"' + std::string(text) + '"'; }

}  // namespace

void throw_csv_error(std::string_view file, uint64_t line, std::string_view what) {
  throw CsvError(std::string(file) + ":" + std::to_string(line) + ": " + std::string(what));
}

std::optional<size_t> CsvHeader::find(std::string_view name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) return std::nullopt;
  return static_cast<size_t>(it - names_.begin());
}

size_t CsvHeader::column(std::string_view name) const {
  if (auto index = find(name)) return *index;
  std::string columns;
  for (const auto& n : names_) columns += (columns.empty() ? "" : ", ") + n;
  throw CsvError(file_ + ": no column " + quoted(name) + " (the header has: " + columns + ")");
}

CsvReader::CsvReader(std::string file, HeaderHandler on_header, RecordHandler on_record)
    : file_(std::move(file)), on_header_(std::move(on_header)), on_record_(std::move(on_record)) {}

void CsvReader::feed(std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p != end) {
    switch (state_) {
      case State::kRecordStart:
        // CRLF: the CR ended the record, the LF is part of the same line end.
        if (std::exchange(after_cr_, false) && *p == '\n') {
          ++p;
          ++line_;
          break;
        }
        record_line_ = line_;
        state_ = State::kFieldStart;
        break;
      case State::kFieldStart:
        if (*p == '"') {
          ++p;
          state_ = State::kQuoted;
        } else {
          state_ = State::kUnquoted;
        }
        break;
      case State::kUnquoted: {
        const char* run = p;
        while (p != end && !kUnquotedStop[static_cast<unsigned char>(*p)]) ++p;
        bytes_.append(run, p);
        check_size();
        if (p == end) break;
        if (!end_of_field(*p++)) fail(line_, "a quote inside an unquoted field");
        break;
      }
      case State::kQuoted: {
        const void* quote = std::memchr(p, '"', end - p);
        const char* run_end = quote ? static_cast<const char*>(quote) : end;
        line_ += std::count(p, run_end, '\n');
        bytes_.append(p, run_end);
        check_size();
        p = run_end;
        if (p != end) {
          ++p;
          state_ = State::kQuoteInQuoted;
        }
        break;
      }
      case State::kQuoteInQuoted:
        if (*p == '"') {  // a doubled quote stands for one
          ++p;
          bytes_ += '"';
          state_ = State::kQuoted;
        } else if (!end_of_field(*p++)) {
          fail(line_, "a character after the closing quote of a field");
        }
        break;
    }
  }
}

void CsvReader::finish() {
  if (state_ == State::kQuoted) fail(record_line_, "a quoted field is not closed");
  if (state_ != State::kRecordStart) end_record();
  after_cr_ = false;
  if (!header_) throw CsvError(file_ + ": no header row (the file is empty)");
}

void CsvReader::end_field() {
  ends_.push_back(bytes_.size());
  check_size();
}

// What may follow a field: ',' starts the next one, a line break ends the
// record. False for anything else.
bool CsvReader::end_of_field(char c) {
  switch (c) {
    case ',':
      end_field();
      state_ = State::kFieldStart;
      return true;
    case '\n':
      ++line_;
      end_record();
      return true;
    case '\r':
      end_record();
      after_cr_ = true;
      return true;
    default:
      return false;
  }
}

void CsvReader::end_record() {
  end_field();
  fields_.clear();
  size_t start = 0;
  for (size_t end : ends_) {
    fields_.emplace_back(bytes_.data() + start, end - start);
    start = end;
  }
  if (!header_) {
    header_.emplace(file_, std::vector<std::string>(fields_.begin(), fields_.end()));
    on_header_(*header_);
  } else if (fields_.size() != header_->names().size()) {
    fail(record_line_, std::to_string(fields_.size()) + " fields, but the header has " +
                           std::to_string(header_->names().size()));
  } else {
    on_record_(CsvRecord{fields_, record_line_});
  }
  bytes_.clear();
  ends_.clear();
  state_ = State::kRecordStart;
}

void CsvReader::check_size() {
  // Separators count too: a line of a million commas is a million fields.
  if (bytes_.size() + ends_.size() > max_record_bytes_) {
    fail(record_line_, "a record longer than " + std::to_string(max_record_bytes_) +
                           " bytes (an unterminated quote?)");
  }
}

void CsvReader::fail(uint64_t line, std::string_view what) const {
  throw_csv_error(file_, line, what);
}

}  // namespace catalogue
