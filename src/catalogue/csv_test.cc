#include "catalogue/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace catalogue {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Rows = std::vector<std::vector<std::string>>;

struct Parsed {
  std::vector<std::string> header;
  Rows records;
  std::vector<uint64_t> lines;

  friend bool operator==(const Parsed&, const Parsed&) = default;
};

/// Parses `text` fed in pieces of `chunk` bytes (0: all at once).
Parsed parse(std::string_view text, size_t chunk = 0) {
  Parsed parsed;
  CsvReader reader(
      "test.csv", [&](const CsvHeader& header) { parsed.header = header.names(); },
      [&](const CsvRecord& record) {
        parsed.records.emplace_back(record.fields.begin(), record.fields.end());
        parsed.lines.push_back(record.line);
      });
  if (chunk == 0) chunk = std::max<size_t>(text.size(), 1);
  for (size_t i = 0; i < text.size(); i += chunk) reader.feed(text.substr(i, chunk));
  reader.finish();
  return parsed;
}

std::string error_of(std::string_view text, size_t chunk = 0) {
  try {
    parse(text, chunk);
  } catch (const CsvError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CsvReader, ReadsAHeaderAndRecords) {
  const Parsed p = parse("id,name\n1,serde\n2,rand\n");
  EXPECT_THAT(p.header, ElementsAre("id", "name"));
  EXPECT_EQ(p.records, (Rows{{"1", "serde"}, {"2", "rand"}}));
  EXPECT_THAT(p.lines, ElementsAre(2, 3));
}

TEST(CsvReader, TakesTheLastRecordWithoutALineEnd) {
  EXPECT_EQ(parse("a,b\n1,2").records, (Rows{{"1", "2"}}));
  EXPECT_EQ(parse("a,b\n1,").records, (Rows{{"1", ""}}));
  EXPECT_EQ(parse("a,b\n1,\"2\"").records, (Rows{{"1", "2"}}));
  EXPECT_EQ(parse("a,b").records, Rows{});
}

TEST(CsvReader, ReadsEmptyFields) {
  EXPECT_EQ(parse("a,b,c\n,,\n\"\",x,\"\"\n").records, (Rows{{"", "", ""}, {"", "x", ""}}));
  // A blank line is one empty field (RFC 4180), so a one-column file keeps it.
  EXPECT_EQ(parse("a\n\nx\n").records, (Rows{{""}, {"x"}}));
}

TEST(CsvReader, UnquotesFields) {
  const Parsed p = parse(
      "id,description,n\n"
      "1,\"commas, and \"\"quotes\"\"\",2\n"
      "3,\"two\nlines, \"\"quoted\"\"\n\",4\n"
      "5,\"\"\"\",6\n");
  EXPECT_EQ(p.records, (Rows{{"1", "commas, and \"quotes\"", "2"},
                             {"3", "two\nlines, \"quoted\"\n", "4"},
                             {"5", "\"", "6"}}));
  // A record's line is where it starts; newlines inside quotes count.
  EXPECT_THAT(p.lines, ElementsAre(2, 3, 6));
}

TEST(CsvReader, AcceptsCrlfAndLfLineEnds) {
  const Parsed p = parse("a,b\r\n1,\"x\r\ny\"\r\n2,3\n4,5\r\n");
  EXPECT_EQ(p.records, (Rows{{"1", "x\r\ny"}, {"2", "3"}, {"4", "5"}}));
  EXPECT_THAT(p.lines, ElementsAre(2, 4, 5));
  EXPECT_EQ(parse("a\r\n\"q\"\r\n").records, (Rows{{"q"}}));
}

TEST(CsvReader, GivesTheSameRecordsHoweverTheBytesAreSplit) {
  const std::string text =
      "name,description,n\r\n"
      "serde,\"A \"\"serialization\"\" framework,\r\nfor Rust\",1\r\n"
      "rand,,2\n"
      "\"quoted,name\",\"\",\"3\"\r\n"
      "last,\"\"\"\",\"\n\"";
  const Parsed whole = parse(text);
  EXPECT_EQ(whole.records.size(), 4u);
  for (size_t chunk = 1; chunk <= 7; ++chunk) EXPECT_EQ(parse(text, chunk), whole) << chunk;
  // Every single split point, so each state meets a chunk's end.
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    Parsed parsed;
    CsvReader reader(
        "test.csv", [&](const CsvHeader& header) { parsed.header = header.names(); },
        [&](const CsvRecord& record) {
          parsed.records.emplace_back(record.fields.begin(), record.fields.end());
          parsed.lines.push_back(record.line);
        });
    reader.feed(std::string_view(text).substr(0, cut));
    reader.feed("");
    reader.feed(std::string_view(text).substr(cut));
    reader.finish();
    EXPECT_EQ(parsed, whole) << cut;
  }
}

TEST(CsvReader, FindsColumnsByName) {
  CsvReader reader(
      "crates.csv",
      [](const CsvHeader& header) {
        EXPECT_EQ(header.column("name"), 1u);
        EXPECT_EQ(header.find("id"), 0u);
        EXPECT_EQ(header.find("missing"), std::nullopt);
        try {
          header.column("downloads");
          ADD_FAILURE() << "no error";
        } catch (const CsvError& e) {
          EXPECT_STREQ(e.what(), "crates.csv: no column \"downloads\" (the header has: id, name)");
        }
      },
      [](const CsvRecord&) {});
  reader.feed("id,name\n");
  reader.finish();
}

TEST(CsvReader, RejectsMalformedFiles) {
  EXPECT_EQ(error_of(""), "test.csv: no header row (the file is empty)");
  EXPECT_EQ(error_of("a,b\n1,2\n3\n"), "test.csv:3: 1 fields, but the header has 2");
  EXPECT_EQ(error_of("a,b\n1,2,3\n"), "test.csv:2: 3 fields, but the header has 2");
  EXPECT_EQ(error_of("a,b\n1,\"2\n\n"), "test.csv:2: a quoted field is not closed");
  EXPECT_EQ(error_of("a,b\n\"x\"y,2\n"),
            "test.csv:2: a character after the closing quote of a field");
  EXPECT_EQ(error_of("a,b\n1,x\"y\n"), "test.csv:2: a quote inside an unquoted field");
  // Byte by byte, the same errors.
  EXPECT_EQ(error_of("a,b\n1,2\n\n3\n", 1), "test.csv:3: 1 fields, but the header has 2");
  EXPECT_EQ(error_of("a,b\n1,\"2\n\n", 1), "test.csv:2: a quoted field is not closed");
}

TEST(CsvReader, BoundsARecordsSize) {
  auto read = [](std::string_view text) {
    CsvReader reader(
        "big.csv", [](const CsvHeader&) {}, [](const CsvRecord&) {});
    reader.set_max_record_bytes(16);
    for (char c : text) reader.feed(std::string_view(&c, 1));
    reader.finish();
  };
  // Many small records are fine, whatever the file's size.
  std::string many = "a,b\n";
  for (int i = 0; i < 1000; ++i) many += "0123456,0123456\n";
  EXPECT_NO_THROW(read(many));
  try {
    read("a,b\n1,\"a runaway quote, and then the rest of the file...\n");
    ADD_FAILURE() << "no error";
  } catch (const CsvError& e) {
    EXPECT_THAT(e.what(), HasSubstr("big.csv:2: a record longer than 16 bytes"));
  }
  EXPECT_THROW(read("a\n,,,,,,,,,,,,,,,,,,,,,,,,\n"), CsvError);
}

TEST(CsvReader, PassesCallbackErrorsThrough) {
  CsvReader reader(
      "t.csv", [](const CsvHeader&) {},
      [](const CsvRecord& record) { throw_csv_error("t.csv", record.line, "bad value"); });
  try {
    reader.feed("a\nx\n");
    ADD_FAILURE() << "no error";
  } catch (const CsvError& e) {
    EXPECT_STREQ(e.what(), "t.csv:2: bad value");
  }
}

}  // namespace
}  // namespace catalogue
