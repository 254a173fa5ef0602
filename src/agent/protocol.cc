#include "agent/protocol.h"

#include <algorithm>
#include <utility>

namespace agent {

std::string_view name(FrameType type) {
  switch (type) {
    case FrameType::kJob:
      return "job";
    case FrameType::kOutput:
      return "output";
    case FrameType::kResult:
      return "result";
    case FrameType::kError:
      return "error";
    case FrameType::kFiles:
      return "files";
  }
  return "unknown";
}

size_t max_payload(FrameType type) {
  switch (type) {
    case FrameType::kOutput:
      return kMaxOutputPayload;
    case FrameType::kFiles:
      return kMaxFilesPayload;
    case FrameType::kJob:
    case FrameType::kResult:
    case FrameType::kError:
      return kMaxMessagePayload;
  }
  return 0;
}

void append_frame(std::string& out, FrameType type, std::string_view payload) {
  const size_t limit = max_payload(type);
  if (limit == 0) {
    throw ProtocolError("cannot encode a frame of unknown type " +
                        std::to_string(static_cast<unsigned>(type)));
  }
  if (payload.size() > limit) {
    throw ProtocolError("cannot encode " + std::string(name(type)) + " frame of " +
                        std::to_string(payload.size()) + " bytes: the limit is " +
                        std::to_string(limit));
  }
  const auto length = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<char>(type));
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  out.append(payload);
}

std::string encode(FrameType type, std::string_view payload) {
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  append_frame(out, type, payload);
  return out;
}

namespace {

std::string encode_chunked(FrameType type, std::string_view bytes) {
  const size_t limit = max_payload(type);
  std::string out;
  const size_t frames = (bytes.size() + limit - 1) / limit;
  out.reserve(bytes.size() + frames * kHeaderBytes);
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), limit);
    append_frame(out, type, bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
  return out;
}

}  // namespace

std::string encode_output(std::string_view bytes) {
  return encode_chunked(FrameType::kOutput, bytes);
}

std::string encode_files(std::string_view bytes) {
  return encode_chunked(FrameType::kFiles, bytes);
}

FrameReader::FrameReader(Direction direction, FrameHandler on_frame)
    : direction_(direction), on_frame_(std::move(on_frame)) {}

void FrameReader::feed(std::string_view bytes) {
  if (!failure_.empty()) throw ProtocolError(failure_);
  while (true) {
    if (header_have_ < kHeaderBytes) {
      if (bytes.empty()) return;
      if (header_have_ == 0) frame_start_ = offset_;
      const size_t n = std::min(kHeaderBytes - header_have_, bytes.size());
      std::copy_n(bytes.begin(), n, header_.begin() + static_cast<ptrdiff_t>(header_have_));
      header_have_ += n;
      offset_ += n;
      bytes.remove_prefix(n);
      if (header_have_ < kHeaderBytes) return;
      begin_frame();
    }
    const size_t n = std::min(length_ - payload_.size(), bytes.size());
    payload_.append(bytes.substr(0, n));
    offset_ += n;
    bytes.remove_prefix(n);
    if (payload_.size() < length_) return;
    deliver();
  }
}

void FrameReader::finish() {
  if (!failure_.empty()) throw ProtocolError(failure_);
  if (header_have_ == 0) return;
  if (header_have_ < kHeaderBytes) {
    fail("stream ends inside a frame header: " + std::to_string(header_have_) + " of " +
         std::to_string(kHeaderBytes) + " bytes");
  }
  fail("stream ends inside " + std::string(name(type_)) + " frame: " +
       std::to_string(payload_.size()) + " of " + std::to_string(length_) + " payload bytes");
}

void FrameReader::begin_frame() {
  type_ = static_cast<FrameType>(header_[0]);
  length_ = (size_t{header_[1]} << 24) | (size_t{header_[2]} << 16) | (size_t{header_[3]} << 8) |
            size_t{header_[4]};
  const size_t limit = max_payload(type_);
  if (limit == 0) fail("unknown frame type " + std::to_string(header_[0]));
  const bool to_agent = type_ == FrameType::kJob || type_ == FrameType::kFiles;
  if (to_agent != (direction_ == Direction::kToAgent)) {
    fail(std::string(name(type_)) + " frame cannot go to the " +
         (direction_ == Direction::kToAgent ? "agent" : "server"));
  }
  if (length_ > limit) {
    fail(std::string(name(type_)) + " frame of " + std::to_string(length_) +
         " bytes is over the limit of " + std::to_string(limit));
  }
  payload_.clear();
}

void FrameReader::deliver() {
  Frame frame{.type = type_, .payload = std::move(payload_)};
  payload_ = std::string();
  header_have_ = 0;
  length_ = 0;
  on_frame_(std::move(frame));
}

void FrameReader::fail(const std::string& what) {
  failure_ = "agent protocol, frame at byte " + std::to_string(frame_start_) + ": " + what;
  throw ProtocolError(failure_);
}

}  // namespace agent
