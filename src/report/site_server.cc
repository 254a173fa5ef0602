#include "report/site_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <utility>

#include "report/escape.h"
#include "report/site.h"
#include "report/theme.h"
#include "store/store.h"

namespace report {

namespace fs = std::filesystem;

namespace {

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

/// Thrown from a store read to end it early: the client left, or a range
/// is complete.
struct StopReading {};

/// Sends `length` bytes of the object at `key` from `offset`, a chunk at a
/// time. False if the object shrank or vanished since its size was sent,
/// which ends the connection.
bool stream_range(store::Store& store, const std::string& key, uint64_t offset, uint64_t length,
                  httplib::DataSink& sink) {
  uint64_t skip = offset;
  uint64_t left = length;
  try {
    store.read(key, [&](std::string_view chunk) {
      const uint64_t skipped = std::min<uint64_t>(skip, chunk.size());
      chunk.remove_prefix(skipped);
      skip -= skipped;
      chunk = chunk.substr(0, left);
      if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) throw StopReading{};
      left -= chunk.size();
      if (left == 0) throw StopReading{};
    });
  } catch (const StopReading&) {
  } catch (const store::StoreError&) {
    return false;
  }
  return left == 0;
}

}  // namespace

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
  Impl(const fs::path& directory, RequestLog request_log)
      : log(std::move(request_log)), store(store::open_store("file://" + directory.string())) {
    std::error_code ec;
    root = fs::canonical(directory, ec);
    if (ec || !fs::is_directory(root)) {
      throw std::runtime_error("no store at " + directory.string() + ": not a directory");
    }
  }

  void handle(const httplib::Request& request, httplib::Response& response);
  void serve_object(const std::string& key, uint64_t size, httplib::Response& response);
  void not_found(std::string_view key, httplib::Response& response);
  std::string tool_list();
  /// The size of the object at `key` if it is a file inside the store
  /// (symlinks followed, to anywhere inside); nullopt for anything else.
  std::optional<uint64_t> file_size(const std::string& key);
  bool is_inside(const fs::path& path) const;

  RequestLog log;
  std::atomic<bool> running = false;
  std::atomic<bool> stop_requested = false;
  std::unique_ptr<store::Store> store;
  fs::path root;
  httplib::Server server;
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

void SiteServer::Impl::serve_object(const std::string& key, uint64_t size,
                                    httplib::Response& response) {
  // httplib asks for the bytes from `offset` (a range request's start) and
  // sends HEAD without asking.
  response.set_content_provider(size, std::string(content_type_of(key)),
                                [this, key](size_t offset, size_t length, httplib::DataSink& sink) {
                                  return stream_range(*store, key, offset, length, sink);
                                });
}

void SiteServer::Impl::not_found(std::string_view key, httplib::Response& response) {
  response.status = 404;
  const std::string tool(key.substr(0, key.find('/')));
  if (!tool.empty() && file_size(tool + "/403")) {
    if (std::optional<std::string> page = store->get(tool + "/403")) {
      response.set_content(*page, std::string(kHtmlContentType));
      return;
    }
  }
  response.set_content("404 not found\n", std::string(kTextContentType));
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

void SiteServer::Impl::handle(const httplib::Request& request, httplib::Response& response) {
  const std::string& path = request.path;  // percent-decoded by httplib
  if (path == "/") {
    response.set_content(tool_list(), std::string(kHtmlContentType));
    return;
  }
  if (!path.starts_with("/")) {
    response.status = 400;
    response.set_content("400 bad request\n", std::string(kTextContentType));
    return;
  }
  std::string key = path.substr(1);
  // A folder's index, as a bucket website's index document.
  if (key.ends_with("/")) key += "index.html";
  if (const std::optional<uint64_t> size = file_size(key)) {
    serve_object(key, *size, response);
    return;
  }
  if (file_size(key + "/index.html")) {
    std::string location;
    for (size_t start = 0; start <= key.size();) {
      const size_t slash = std::min(key.find('/', start), key.size());
      location += "/" + url_segment(key.substr(start, slash - start));
      start = slash + 1;
    }
    response.set_redirect(location + "/", 302);
    return;
  }
  not_found(key, response);
}

SiteServer::SiteServer(const fs::path& directory, RequestLog log)
    : impl_(std::make_unique<Impl>(directory, std::move(log))) {
  httplib::Server& server = impl_->server;
  server.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
    if (request.method == "GET" || request.method == "HEAD") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.set_content("405 method not allowed\n", std::string(kTextContentType));
    return httplib::Server::HandlerResponse::Handled;
  });
  server.Get(".*", [this](const httplib::Request& request, httplib::Response& response) {
    impl_->handle(request, response);
  });
  // httplib's default adds SO_REUSEPORT, which lets a second server take
  // the same port and half of the requests; SO_REUSEADDR alone only lets a
  // server restart at once after Ctrl-C.
  server.set_socket_options([](int socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // stop() waits for every worker, and a worker for its idle keep-alive
  // connection: a short timeout makes Ctrl-C prompt.
  server.set_keep_alive_timeout(1);
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, const std::exception_ptr&) {
        response.status = 500;
        response.set_content("500 internal error\n", std::string(kTextContentType));
      });
  if (impl_->log) {
    server.set_logger([this](const httplib::Request& request, const httplib::Response& response) {
      impl_->log(request.method, request.path, response.status);
    });
  }
}

SiteServer::~SiteServer() = default;

int SiteServer::bind(const std::string& address, int port) {
  httplib::Server& server = impl_->server;
  if (port == 0) {
    port = server.bind_to_any_port(address);
    if (port < 0) throw std::runtime_error("cannot listen on " + address);
  } else if (!server.bind_to_port(address, port)) {
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port));
  }
  return port;
}

void SiteServer::run() {
  impl_->running = true;
  if (!impl_->stop_requested) impl_->server.listen_after_bind();
  impl_->running = false;
}

void SiteServer::stop() {
  impl_->stop_requested = true;
  // httplib ignores stop() until its loop has started: wait for that when
  // run() is on its way to it.
  while (impl_->running && !impl_->server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

}  // namespace report
