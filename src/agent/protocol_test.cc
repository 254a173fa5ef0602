#include "agent/protocol.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace agent {
namespace {

std::vector<Frame> read_all(Direction direction, std::string_view stream, size_t chunk) {
  std::vector<Frame> frames;
  FrameReader reader(direction, [&](Frame frame) { frames.push_back(std::move(frame)); });
  while (!stream.empty()) {
    const size_t n = std::min(chunk, stream.size());
    reader.feed(stream.substr(0, n));
    stream.remove_prefix(n);
  }
  reader.finish();
  return frames;
}

std::string header(uint8_t type, uint32_t length) {
  return {static_cast<char>(type), static_cast<char>(length >> 24), static_cast<char>(length >> 16),
          static_cast<char>(length >> 8), static_cast<char>(length)};
}

// Output a crate could print that looks like frames of every type.
std::string tricky_output() {
  std::string bytes = header(3, 2) + "{}" + header(4, 0) + header(1, 0xffffffff);
  bytes += std::string(3, '\0') + "\x1b[31mred\x1b[0m\r\n" + header(2, 5);
  for (int c = 0; c < 256; ++c) bytes.push_back(static_cast<char>(c));
  return bytes;
}

TEST(Frame, HeaderIsTypeThenBigEndianLength) {
  EXPECT_EQ(encode(FrameType::kResult, "abc"), std::string("\x03\x00\x00\x00\x03"
                                                           "abc",
                                                           8));
  EXPECT_EQ(encode(FrameType::kJob, std::string(0x010203, 'x')).substr(0, 5),
            std::string("\x01\x00\x01\x02\x03", 5));
  EXPECT_EQ(encode(FrameType::kError, ""), std::string("\x04\0\0\0\0", 5));
}

TEST(Frame, RoundTripsEveryType) {
  const std::vector<Frame> sent{
      {.type = FrameType::kOutput, .payload = tricky_output()},
      {.type = FrameType::kOutput, .payload = ""},
      {.type = FrameType::kResult, .payload = R"({"commands":[]})"},
      {.type = FrameType::kError, .payload = "cannot unpack /crates/x.crate"},
  };
  std::string stream;
  for (const Frame& frame : sent) append_frame(stream, frame.type, frame.payload);
  EXPECT_EQ(read_all(Direction::kToServer, stream, stream.size()), sent);

  const Frame job{.type = FrameType::kJob, .payload = R"({"crate":"serde"})"};
  EXPECT_EQ(read_all(Direction::kToAgent, encode(job.type, job.payload), 1),
            std::vector<Frame>{job});
}

TEST(Frame, AnyChunkingGivesTheSameFrames) {
  std::string big(200'000, '\0');
  std::mt19937 random(42);
  for (char& c : big) c = static_cast<char>(random());
  std::string stream = encode_output(tricky_output()) + encode(FrameType::kOutput, "") +
                       encode_output(big) + encode(FrameType::kResult, "{}");
  const std::vector<Frame> whole = read_all(Direction::kToServer, stream, stream.size());
  ASSERT_EQ(whole.size(), 7u);  // 1 + 1 + 4 (200 000 bytes in 64 KiB frames) + 1

  for (const size_t chunk : {size_t{1}, size_t{2}, size_t{4}, size_t{5}, size_t{6}, size_t{4099},
                             kMaxOutputPayload + kHeaderBytes}) {
    EXPECT_EQ(read_all(Direction::kToServer, stream, chunk), whole) << "chunks of " << chunk;
  }
  // Random cuts, including empty chunks.
  std::vector<Frame> frames;
  FrameReader reader(Direction::kToServer,
                     [&](Frame frame) { frames.push_back(std::move(frame)); });
  std::string_view rest = stream;
  while (!rest.empty()) {
    const size_t n = std::min<size_t>(random() % 70'000, rest.size());
    reader.feed(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  reader.finish();
  EXPECT_EQ(frames, whole);
}

TEST(Frame, OutputIsSplitIntoFramesAndCarriedIntact) {
  const std::string bytes = tricky_output() + std::string(3 * kMaxOutputPayload, '\x02');
  const std::vector<Frame> frames = read_all(Direction::kToServer, encode_output(bytes), 1000);
  ASSERT_EQ(frames.size(), 4u);
  std::string joined;
  for (const Frame& frame : frames) {
    EXPECT_EQ(frame.type, FrameType::kOutput);
    EXPECT_LE(frame.payload.size(), kMaxOutputPayload);
    joined += frame.payload;
  }
  EXPECT_EQ(joined, bytes);
  EXPECT_EQ(encode_output(""), "");
}

TEST(Frame, EncodeRefusesOversizePayloads) {
  EXPECT_NO_THROW(encode(FrameType::kOutput, std::string(kMaxOutputPayload, 'x')));
  EXPECT_THROW(encode(FrameType::kOutput, std::string(kMaxOutputPayload + 1, 'x')), ProtocolError);
  EXPECT_NO_THROW(encode(FrameType::kResult, std::string(kMaxMessagePayload, 'x')));
  EXPECT_THROW(encode(FrameType::kJob, std::string(kMaxMessagePayload + 1, 'x')), ProtocolError);
  EXPECT_THROW(encode(static_cast<FrameType>(9), "x"), ProtocolError);
  EXPECT_NO_THROW(encode(FrameType::kFiles, std::string(kMaxFilesPayload, 'x')));
  EXPECT_THROW(encode(FrameType::kFiles, std::string(kMaxFilesPayload + 1, 'x')), ProtocolError);
}

TEST(Frame, FilesAreSplitIntoMibFramesThatOnlyGoToTheAgent) {
  std::string tar(2 * kMaxFilesPayload + 12345, '\0');
  std::mt19937 random(7);
  for (char& c : tar) c = static_cast<char>(random());
  std::string stream = encode(FrameType::kJob, "{}") + encode_files(tar) +
                       encode(FrameType::kFiles, "") + encode(FrameType::kJob, "{}");
  const std::vector<Frame> frames = read_all(Direction::kToAgent, stream, 70'001);
  ASSERT_EQ(frames.size(), 6u);  // job, 3 chunks, the empty end, job
  EXPECT_EQ(frames[0].type, FrameType::kJob);
  std::string joined;
  for (size_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(frames[i].type, FrameType::kFiles);
    EXPECT_EQ(frames[i].payload.size(), i < 3 ? kMaxFilesPayload : 12345u);
    joined += frames[i].payload;
  }
  EXPECT_EQ(joined, tar);
  EXPECT_EQ(frames[4], (Frame{.type = FrameType::kFiles, .payload = ""}));
  EXPECT_EQ(frames[5].type, FrameType::kJob);
  EXPECT_EQ(encode_files(""), "");
  EXPECT_EQ(name(FrameType::kFiles), "files");
}

std::string error_of(Direction direction, std::string_view stream) {
  FrameReader reader(direction, [](const Frame&) {});
  try {
    reader.feed(stream);
    reader.finish();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "";
}

TEST(FrameReader, RejectsCorruptHeaders) {
  const std::string good = encode(FrameType::kOutput, "hello");
  EXPECT_EQ(error_of(Direction::kToServer, good + header(0, 1)),
            "agent protocol, frame at byte 10: unknown frame type 0");
  EXPECT_EQ(error_of(Direction::kToServer, header('H', 0)),
            "agent protocol, frame at byte 0: unknown frame type 72");
  EXPECT_EQ(error_of(Direction::kToServer, header(2, kMaxOutputPayload + 1)),
            "agent protocol, frame at byte 0: output frame of 65537 bytes is over the limit "
            "of 65536");
  EXPECT_NE(error_of(Direction::kToServer, header(3, 0xffffffff)).find("over the limit"),
            std::string::npos);
  EXPECT_NE(error_of(Direction::kToServer, header(1, 2) + "{}").find("cannot go to the server"),
            std::string::npos);
  EXPECT_NE(error_of(Direction::kToAgent, good).find("cannot go to the agent"), std::string::npos);
  EXPECT_NE(
      error_of(Direction::kToServer, header(5, 0)).find("files frame cannot go to the server"),
      std::string::npos);
  EXPECT_EQ(error_of(Direction::kToAgent, header(5, kMaxFilesPayload + 1)),
            "agent protocol, frame at byte 0: files frame of 1048577 bytes is over the limit of "
            "1048576");
  EXPECT_EQ(error_of(Direction::kToAgent, header(6, 0)),
            "agent protocol, frame at byte 0: unknown frame type 6");
}

TEST(FrameReader, FailsOnceAndForAll) {
  int frames = 0;
  FrameReader reader(Direction::kToServer, [&](const Frame&) { ++frames; });
  EXPECT_THROW(reader.feed(header(7, 0)), ProtocolError);
  EXPECT_THROW(reader.feed(encode(FrameType::kOutput, "x")), ProtocolError);
  EXPECT_THROW(reader.finish(), ProtocolError);
  EXPECT_EQ(frames, 0);
}

TEST(FrameReader, DetectsATruncatedStream) {
  const std::string frame = encode(FrameType::kResult, "{\"x\":1}");
  EXPECT_EQ(error_of(Direction::kToServer, frame.substr(0, 3)),
            "agent protocol, frame at byte 0: stream ends inside a frame header: 3 of 5 bytes");
  EXPECT_EQ(error_of(Direction::kToServer, frame + frame.substr(0, 8)),
            "agent protocol, frame at byte 12: stream ends inside result frame: 3 of 7 "
            "payload bytes");
  // A header alone is a truncated frame unless its length is 0.
  EXPECT_NE(error_of(Direction::kToServer, header(2, 1)), "");
  EXPECT_EQ(error_of(Direction::kToServer, header(2, 0)), "");
  EXPECT_EQ(error_of(Direction::kToServer, ""), "");
}

TEST(FrameReader, ReportsProgress) {
  FrameReader reader(Direction::kToServer, [](const Frame&) {});
  EXPECT_FALSE(reader.mid_frame());
  reader.feed(encode(FrameType::kOutput, "abc").substr(0, 6));
  EXPECT_TRUE(reader.mid_frame());
  EXPECT_EQ(reader.offset(), 6u);
  reader.feed("bc");
  EXPECT_FALSE(reader.mid_frame());
  EXPECT_NO_THROW(reader.finish());
}

}  // namespace
}  // namespace agent
