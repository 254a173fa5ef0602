#pragma once
// A streaming reader of RFC 4180 CSV, the format of the crates.io database
// dump (PostgreSQL's COPY ... CSV HEADER). Bytes go in chunks split anywhere;
// records come out one at a time, so memory is bounded by the longest record,
// not the file.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace catalogue {

/// A malformed or unexpected CSV file; the message starts with "FILE:LINE: "
/// (or "FILE: " when no line applies).
class CsvError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Throws "FILE:LINE: what", the form of every CsvError; for callers that
/// find a bad field in a well-formed record.
[[noreturn]] void throw_csv_error(std::string_view file, uint64_t line, std::string_view what);

/// The first record of a file: its column names.
class CsvHeader {
 public:
  CsvHeader(std::string file, std::vector<std::string> names)
      : file_(std::move(file)), names_(std::move(names)) {}

  /// The index of the column called `name`; a CsvError naming the file and
  /// the column if there is none, since a reader cannot go on without it.
  size_t column(std::string_view name) const;
  std::optional<size_t> find(std::string_view name) const;

  const std::vector<std::string>& names() const { return names_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> names_;
};

/// One data record. The views point into the reader's buffer and are valid
/// only during the callback.
struct CsvRecord {
  /// Exactly one per column of the header (the reader checks), unquoted.
  std::span<const std::string_view> fields;
  /// The line the record starts on, 1-based; the header is line 1. Lines
  /// are counted by LF, including those inside quoted fields.
  uint64_t line = 0;
};

class CsvReader {
 public:
  using HeaderHandler = std::function<void(const CsvHeader&)>;
  using RecordHandler = std::function<void(const CsvRecord&)>;

  /// `file` names the input in error messages. `on_header` runs once, before
  /// any record; exceptions from either callback propagate out of feed().
  CsvReader(std::string file, HeaderHandler on_header, RecordHandler on_record);

  /// Parses the next bytes of the file; a record may end in a later call.
  void feed(std::string_view bytes);
  /// The file has ended: delivers a last record that has no line end, and
  /// fails on an unterminated quoted field or a file without a header row.
  void finish();

  /// A guard against a runaway quote swallowing a whole file into memory.
  static constexpr size_t kDefaultMaxRecordBytes = size_t{64} << 20;
  void set_max_record_bytes(size_t bytes) { max_record_bytes_ = bytes; }

  const std::string& file() const { return file_; }
  /// The line being read, 1-based: where a read error in the middle of the
  /// file happened.
  uint64_t line() const { return line_; }

 private:
  enum class State : uint8_t {
    kRecordStart,   // nothing of the record read yet
    kFieldStart,    // after a comma
    kUnquoted,      // inside a field that did not start with a quote
    kQuoted,        // inside a quoted field
    kQuoteInQuoted  // a quote inside a quoted field: doubled, or the end
  };

  bool end_of_field(char c);
  void end_field();
  void end_record();
  void check_size();
  [[noreturn]] void fail(uint64_t line, std::string_view what) const;

  std::string file_;
  HeaderHandler on_header_;
  RecordHandler on_record_;
  std::optional<CsvHeader> header_;

  State state_ = State::kRecordStart;
  bool after_cr_ = false;  // the last byte ended a record with CR: skip an LF
  uint64_t line_ = 1;
  uint64_t record_line_ = 1;
  size_t max_record_bytes_ = kDefaultMaxRecordBytes;

  // The current record: its fields' unquoted bytes back to back, where each
  // ends, and the views handed to on_record (kept to reuse their memory).
  std::string bytes_;
  std::vector<size_t> ends_;
  std::vector<std::string_view> fields_;
};

}  // namespace catalogue
