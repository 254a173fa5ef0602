#include "report/site_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "report/escape.h"
#include "report/site.h"
#include "report/theme.h"
#include "store/store.h"

namespace report {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kByExtension = {{
    {".html", "text/html; charset=utf-8"},
    {".json", "application/json"},
    {".tar.xz", "application/x-xz"},
    {".xz", "application/x-xz"},
    {".txt", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".csv", "text/csv; charset=utf-8"},
}};

/// How much of an object is read at once while it is sent.
constexpr size_t kChunk = size_t{64} * 1024;
/// After an answer, what the client still sends is read and dropped for at
/// most this long and this much before the connection closes, so that
/// closing with unread bytes does not reset the answer away.
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr size_t kDrainBytes = 1 << 20;

std::string_view reason_of(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Internal Server Error";
  }
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `%XX` decoded; a `%` without two hex digits stays as it is.
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
        hex_digit(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<uint64_t> parse_number(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string escape_for_log(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

RangeAnswer answer_range(std::string_view header, uint64_t size) {
  // RFC 9110 14.2: a server may ignore Range; it does for anything but one
  // well-formed byte range, so several ranges get the whole object once.
  constexpr std::string_view kUnit = "bytes=";
  header = trim(header);
  if (!header.starts_with(kUnit)) return {RangeAnswer::kWhole};
  const std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return {RangeAnswer::kWhole};
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return {RangeAnswer::kWhole};
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty()) {
    const std::optional<uint64_t> suffix = parse_number(last_text);
    if (!suffix) return {RangeAnswer::kWhole};
    if (*suffix == 0 || size == 0) return {RangeAnswer::kUnsatisfiable};
    return {RangeAnswer::kPart, size - std::min(*suffix, size), size - 1};
  }
  const std::optional<uint64_t> first = parse_number(first_text);
  if (!first) return {RangeAnswer::kWhole};
  uint64_t last = UINT64_MAX;
  if (!last_text.empty()) {
    const std::optional<uint64_t> parsed = parse_number(last_text);
    if (!parsed || *parsed < *first) return {RangeAnswer::kWhole};
    last = *parsed;
  }
  if (*first >= size) return {RangeAnswer::kUnsatisfiable};
  return {RangeAnswer::kPart, *first, std::min(last, size - 1)};
}

std::string_view content_type_of(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view rest = key.substr(slash + 1);
    // Versions have dots ("1.0.0"): the folder decides, not an "extension".
    if (rest.starts_with("logs/")) return kHtmlContentType;
    if (rest.starts_with("raw/")) return kTextContentType;
    if (rest == "ub" || rest == "403") return kHtmlContentType;
  }
  for (const auto& [extension, type] : kByExtension) {
    if (key.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

struct SiteServer::Impl {
  Impl(const fs::path& directory, RequestLog request_log, Limits server_limits)
      : log(std::move(request_log)),
        limits(server_limits),
        store(store::open_store("file://" + directory.string())) {
    std::error_code ec;
    root = fs::canonical(directory, ec);
    if (ec || !fs::is_directory(root)) {
      throw std::runtime_error("no store at " + directory.string() + ": not a directory");
    }
    if (::pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
    }
  }
  ~Impl() {
    if (listener >= 0) ::close(listener);
    ::close(wake[0]);
    ::close(wake[1]);
  }

  /// An answer before it is written out: headers and a body from memory or
  /// from a file.
  struct Reply {
    int status = 200;
    std::string content_type{kTextContentType};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    int file = -1;  ///< owned; the body is [offset, offset + length) of it
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  struct Connection {
    enum class State { kReading, kWriting, kDraining };
    int fd = -1;
    State state = State::kReading;
    Clock::time_point deadline;
    std::string in;
    std::string out;
    size_t sent = 0;
    int file = -1;
    uint64_t file_offset = 0;
    uint64_t file_left = 0;
    size_t drained = 0;
    ~Connection() {
      if (file >= 0) ::close(file);
      if (fd >= 0) ::close(fd);
    }
  };

  void loop();
  void accept_all();
  void on_readable(Connection& connection);
  void on_writable(Connection& connection);
  void drain(Connection& connection);
  /// Starts sending `reply`; the connection closes after it.
  void answer(Connection& connection, Reply reply, bool head);
  void finish(Connection& connection);
  /// The answer to a complete request head (request line and headers).
  void respond(Connection& connection, std::string_view head);

  Reply handle(const std::string& path, std::string_view range);
  Reply serve_object(const std::string& key, std::string_view range);
  Reply not_found(std::string_view key);
  std::string tool_list();
  /// The size of the object at `key` if it is a file inside the store
  /// (symlinks followed, to anywhere inside); nullopt for anything else.
  std::optional<uint64_t> file_size(const std::string& key);
  bool is_inside(const fs::path& path) const;
  void write_log(std::string_view method, std::string_view path, int status) {
    if (log) log(escape_for_log(method), escape_for_log(path), status);
  }

  RequestLog log;
  Limits limits;
  std::unique_ptr<store::Store> store;
  fs::path root;
  int listener = -1;
  int wake[2] = {-1, -1};
  std::atomic<bool> stop_requested = false;
  std::vector<std::unique_ptr<Connection>> connections;  // oldest first
  Clock::time_point accept_paused_until;
};

bool SiteServer::Impl::is_inside(const fs::path& path) const {
  std::error_code ec;
  const fs::path real = fs::canonical(path, ec);
  if (ec) return false;
  const auto [end_of_root, rest] =
      std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  return end_of_root == root.end();
}

std::optional<uint64_t> SiteServer::Impl::file_size(const std::string& key) {
  try {
    store::check_key(key);
    const fs::path path = root / key;
    if (!is_inside(path)) return std::nullopt;
    const std::optional<store::ObjectInfo> info = store->head(key);
    if (!info) return std::nullopt;
    return info->size;
  } catch (const store::StoreError&) {
    return std::nullopt;  // a bad key, or one of the store's temporaries
  }
}

SiteServer::Impl::Reply SiteServer::Impl::serve_object(const std::string& key,
                                                       std::string_view range) {
  Reply reply;
  reply.file = ::open((root / key).c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (reply.file < 0 || ::fstat(reply.file, &info) != 0 || !S_ISREG(info.st_mode)) {
    if (reply.file >= 0) ::close(reply.file);
    return not_found(key);
  }
  const auto size = static_cast<uint64_t>(info.st_size);
  reply.content_type = std::string(content_type_of(key));
  reply.headers.emplace_back("Accept-Ranges", "bytes");
  const RangeAnswer part =
      range.empty() ? RangeAnswer{RangeAnswer::kWhole} : answer_range(range, size);
  switch (part.kind) {
    case RangeAnswer::kWhole:
      reply.length = size;
      break;
    case RangeAnswer::kPart:
      reply.status = 206;
      reply.offset = part.first;
      reply.length = part.last - part.first + 1;
      reply.headers.emplace_back("Content-Range", "bytes " + std::to_string(part.first) + "-" +
                                                      std::to_string(part.last) + "/" +
                                                      std::to_string(size));
      break;
    case RangeAnswer::kUnsatisfiable:
      ::close(reply.file);
      reply.file = -1;
      reply.status = 416;
      reply.content_type = std::string(kTextContentType);
      reply.body = "416 range not satisfiable\n";
      reply.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      break;
  }
  return reply;
}

SiteServer::Impl::Reply SiteServer::Impl::not_found(std::string_view key) {
  Reply reply;
  reply.status = 404;
  const std::string tool(key.substr(0, key.find('/')));
  if (!tool.empty() && file_size(tool + "/403")) {
    if (std::optional<std::string> page = store->get(tool + "/403")) {
      reply.body = std::move(*page);
      reply.content_type = std::string(kHtmlContentType);
      return reply;
    }
  }
  reply.body = "404 not found\n";
  return reply;
}

std::string SiteServer::Impl::tool_list() {
  std::string html = page_head("crater-at-home", {});
  html += "<main><h1>crater-at-home</h1>\n<ul class=\"plain\">\n";
  std::vector<std::string> tools;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (file_size(name + "/index.html")) tools.push_back(name);
  }
  std::sort(tools.begin(), tools.end());
  for (const std::string& tool : tools) {
    html += "<li><a href=\"" + url_segment(tool) + "/\">" + escape_html(tool) + "</a></li>\n";
  }
  if (tools.empty()) html += "<li class=\"dim\">No tool has a site in this store yet.</li>\n";
  html += "</ul></main>\n";
  html += kPageEnd;
  return html;
}

SiteServer::Impl::Reply SiteServer::Impl::handle(const std::string& path, std::string_view range) {
  Reply reply;
  if (path == "/") {
    reply.body = tool_list();
    reply.content_type = std::string(kHtmlContentType);
    return reply;
  }
  std::string key = path.substr(1);
  // A folder's index, as a bucket website's index document.
  if (key.ends_with("/")) key += "index.html";
  if (file_size(key)) return serve_object(key, range);
  if (file_size(key + "/index.html")) {
    std::string location;
    for (size_t start = 0; start <= key.size();) {
      const size_t slash = std::min(key.find('/', start), key.size());
      location += "/" + url_segment(key.substr(start, slash - start));
      start = slash + 1;
    }
    reply.status = 302;
    reply.headers.emplace_back("Location", location + "/");
    reply.body = "302 found\n";
    return reply;
  }
  return not_found(key);
}

void SiteServer::Impl::respond(Connection& connection, std::string_view head) {
  const size_t line_end = head.find('\n');
  const std::string_view request_line = trim(head.substr(0, line_end));
  std::string_view headers =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 1);

  // METHOD SP TARGET SP HTTP/1.x
  const size_t first_space = request_line.find(' ');
  const size_t second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos || second_space == std::string_view::npos ||
      request_line.find(' ', second_space + 1) != std::string_view::npos) {
    write_log("-", request_line, 400);
    answer(connection, Reply{.status = 400, .body = "400 bad request\n"}, false);
    return;
  }
  const std::string_view method = request_line.substr(0, first_space);
  const std::string_view target =
      request_line.substr(first_space + 1, second_space - first_space - 1);
  const std::string_view version = request_line.substr(second_space + 1);
  const bool head_only = method == "HEAD";
  if (!version.starts_with("HTTP/1.")) {
    write_log(method, target, 505);
    answer(connection, Reply{.status = 505, .body = "505 HTTP version not supported\n"}, head_only);
    return;
  }
  std::string_view range;
  int ranges = 0;
  while (!headers.empty()) {
    const size_t end = headers.find('\n');
    const std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (equals_ignoring_case(trim(line.substr(0, colon)), "range")) {
      range = trim(line.substr(colon + 1));
      ++ranges;
    }
  }
  if (ranges > 1) range = {};  // which one? neither: the whole object

  const std::string_view path_part = target.substr(0, target.find_first_of("?#"));
  const std::string path = percent_decode(path_part);
  Reply reply;
  if (method != "GET" && method != "HEAD") {
    reply.status = 405;
    reply.headers.emplace_back("Allow", "GET, HEAD");
    reply.body = "405 method not allowed\n";
  } else if (!path.starts_with("/")) {
    reply.status = 400;
    reply.body = "400 bad request\n";
  } else {
    try {
      reply = handle(path, range);
    } catch (const std::exception&) {
      reply = Reply{.status = 500, .body = "500 internal error\n"};
    }
  }
  write_log(method, path, reply.status);
  answer(connection, std::move(reply), head_only);
}

void SiteServer::Impl::answer(Connection& connection, Reply reply, bool head) {
  const uint64_t length = reply.file >= 0 ? reply.length : reply.body.size();
  std::string& out = connection.out;
  out = "HTTP/1.1 " + std::to_string(reply.status) + " " + std::string(reason_of(reply.status)) +
        "\r\nContent-Type: " + reply.content_type +
        "\r\nContent-Length: " + std::to_string(length) + "\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  // One request per connection: nothing sent after it is read as another.
  out += "Connection: close\r\n\r\n";
  if (!head) {
    if (reply.file >= 0) {
      connection.file = std::exchange(reply.file, -1);
      connection.file_offset = reply.offset;
      connection.file_left = reply.length;
    } else {
      out += reply.body;
    }
  }
  if (reply.file >= 0) ::close(reply.file);
  connection.sent = 0;
  connection.in.clear();
  connection.in.shrink_to_fit();
  connection.state = Connection::State::kWriting;
  connection.deadline = Clock::now() + std::chrono::milliseconds(limits.send_timeout_ms);
  on_writable(connection);
}

void SiteServer::Impl::on_readable(Connection& connection) {
  const size_t room =
      limits.max_header_bytes + 1 - std::min(connection.in.size(), limits.max_header_bytes);
  char buffer[8192];
  const ssize_t n = ::recv(connection.fd, buffer, std::min(room, sizeof buffer), 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    finish(connection);  // gone before asking anything
    return;
  }
  if (n < 0) return;
  const size_t old_size = connection.in.size();
  connection.in.append(buffer, static_cast<size_t>(n));
  const std::string& in = connection.in;
  // The head ends at an empty line (CRLF CRLF, or bare LFs).
  size_t end = std::string::npos;
  for (size_t i = old_size == 0 ? 0 : old_size - 1; i < in.size(); ++i) {
    if (in[i] != '\n') continue;
    if (i + 1 < in.size() && in[i + 1] == '\n') {
      end = i + 1;
      break;
    }
    if (i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      end = i + 2;
      break;
    }
  }
  const size_t head_size = end == std::string::npos ? in.size() : end;
  const auto lines = static_cast<size_t>(
      std::count(in.begin(), in.begin() + static_cast<ptrdiff_t>(head_size), '\n'));
  if (head_size > limits.max_header_bytes || lines > limits.max_header_count + 1) {
    write_log("-", "-", 431);
    answer(connection, Reply{.status = 431, .body = "431 request header fields too large\n"},
           false);
    return;
  }
  if (end != std::string::npos) respond(connection, std::string_view(in).substr(0, end));
}

void SiteServer::Impl::on_writable(Connection& connection) {
  while (true) {
    if (connection.sent == connection.out.size()) {
      if (connection.file_left == 0) {
        // All sent: read what the client still sends until it closes.
        ::shutdown(connection.fd, SHUT_WR);
        connection.state = Connection::State::kDraining;
        connection.deadline = Clock::now() + kDrainTime;
        connection.out.clear();
        connection.out.shrink_to_fit();
        return;
      }
      connection.out.resize(std::min<uint64_t>(kChunk, connection.file_left));
      const ssize_t n = ::pread(connection.file, connection.out.data(), connection.out.size(),
                                static_cast<off_t>(connection.file_offset));
      if (n <= 0) {
        finish(connection);  // the object shrank since its length was sent
        return;
      }
      connection.out.resize(static_cast<size_t>(n));
      connection.sent = 0;
      connection.file_offset += static_cast<uint64_t>(n);
      connection.file_left -= static_cast<uint64_t>(n);
    }
    const ssize_t n = ::send(connection.fd, connection.out.data() + connection.sent,
                             connection.out.size() - connection.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      finish(connection);
      return;
    }
    connection.sent += static_cast<size_t>(n);
    connection.deadline = Clock::now() + std::chrono::milliseconds(limits.send_timeout_ms);
  }
}

void SiteServer::Impl::drain(Connection& connection) {
  char buffer[16384];
  const ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    finish(connection);
    return;
  }
  connection.drained += static_cast<size_t>(n);
  if (connection.drained > kDrainBytes) finish(connection);
}

void SiteServer::Impl::finish(Connection& connection) {
  if (connection.file >= 0) ::close(connection.file);
  if (connection.fd >= 0) ::close(connection.fd);
  connection.file = -1;
  connection.fd = -1;
}

void SiteServer::Impl::accept_all() {
  while (true) {
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: make room for the next one, and wait a little
        // rather than spin on a listener that stays readable.
        auto oldest = std::find_if(connections.begin(), connections.end(), [](const auto& c) {
          return c->fd >= 0 && c->state == Connection::State::kReading;
        });
        if (oldest != connections.end()) finish(**oldest);
        accept_paused_until = Clock::now() + std::chrono::milliseconds(50);
      }
      return;
    }
    size_t open = 0;
    for (const auto& connection : connections) open += connection->fd >= 0;
    if (open >= limits.max_connections) {
      // Full: the oldest connection still sending its request (or done)
      // makes room; failing that, the answer whose client took nothing for
      // longest, so clients that stop reading cannot hold every slot.
      auto victim = std::find_if(connections.begin(), connections.end(), [](const auto& c) {
        return c->fd >= 0 && c->state != Connection::State::kWriting;
      });
      if (victim == connections.end()) {
        victim = std::min_element(connections.begin(), connections.end(),
                                  [](const auto& a, const auto& b) {
                                    if ((a->fd >= 0) != (b->fd >= 0)) return a->fd >= 0;
                                    return a->deadline < b->deadline;
                                  });
      }
      if (victim == connections.end() || (*victim)->fd < 0) {
        ::close(fd);
        continue;
      }
      finish(**victim);
    }
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    connection->deadline = Clock::now() + std::chrono::milliseconds(limits.request_timeout_ms);
    connections.push_back(std::move(connection));
  }
}

void SiteServer::Impl::loop() {
  std::vector<pollfd> polled;
  while (!stop_requested) {
    const Clock::time_point now = Clock::now();
    polled.clear();
    polled.push_back({wake[0], POLLIN, 0});
    const bool accepting = now >= accept_paused_until;
    polled.push_back({accepting ? listener : -1, POLLIN, 0});
    Clock::time_point next = now + std::chrono::seconds(60);
    if (!accepting) next = std::min(next, accept_paused_until);
    for (const auto& connection : connections) {
      const short events = connection->state == Connection::State::kWriting ? POLLOUT : POLLIN;
      polled.push_back({connection->fd, events, 0});
      next = std::min(next, connection->deadline);
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
    const int ready =
        ::poll(polled.data(), polled.size(), static_cast<int>(std::max<int64_t>(wait, 0)));
    if (ready < 0 && errno != EINTR) {
      throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
    }
    if (stop_requested || (polled[0].revents & POLLIN)) break;
    // Connections first: accept_all() may add and close some.
    const size_t count = connections.size();
    for (size_t i = 0; i < count; ++i) {
      Connection& connection = *connections[i];
      const short revents = polled[i + 2].revents;
      if (connection.fd < 0 || revents == 0) continue;
      switch (connection.state) {
        case Connection::State::kReading:
          on_readable(connection);
          break;
        case Connection::State::kWriting:
          on_writable(connection);
          break;
        case Connection::State::kDraining:
          drain(connection);
          break;
      }
    }
    if (polled[1].revents & POLLIN) accept_all();
    const Clock::time_point later = Clock::now();
    for (const auto& connection : connections) {
      if (connection->fd >= 0 && connection->deadline <= later) finish(*connection);
    }
    std::erase_if(connections, [](const auto& connection) { return connection->fd < 0; });
  }
}

SiteServer::SiteServer(const fs::path& directory, RequestLog log, Limits limits)
    : impl_(std::make_unique<Impl>(directory, std::move(log), limits)) {}

SiteServer::~SiteServer() = default;

int SiteServer::bind(const std::string& address, int port) {
  const std::string where = address + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (const int error =
          ::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &found)) {
    throw std::runtime_error("cannot listen on " + where + ": " + ::gai_strerror(error));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("cannot listen on " + where + ": " + std::strerror(errno));
  // SO_REUSEADDR lets a server restart at once after Ctrl-C; no
  // SO_REUSEPORT, which would let a second server take half the requests.
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof bound;
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_size) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error("cannot listen on " + where + ": " + std::strerror(error));
  }
  if (impl_->listener >= 0) ::close(impl_->listener);
  impl_->listener = fd;
  if (bound.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void SiteServer::run() {
  if (impl_->listener < 0) throw std::runtime_error("run() before bind()");
  impl_->loop();
  impl_->connections.clear();  // closes every connection
}

void SiteServer::stop() {
  impl_->stop_requested = true;
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(impl_->wake[1], &byte, 1);
}

}  // namespace report
