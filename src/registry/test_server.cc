#include "registry/test_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "util/fd.h"

namespace registry::testing {
namespace {

constexpr const char* kServer = R"(
import http.server, sys, threading, time

root, log = sys.argv[1], sys.argv[2]
lock = threading.Lock()

def hits(path):
    with lock, open(log) as f:
        return sum(1 for line in f if line.rstrip("\n") == path)

class Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock, open(log, "a") as f:
            f.write(self.path + "\n")
        parts = self.path.split("/")
        if parts[1] == "status":
            return self.reply(int(parts[2]), b"error page\n")
        if parts[1] == "flaky":
            if hits(self.path) <= int(parts[2]):
                return self.reply(503, b"busy\n")
            self.path = "/" + "/".join(parts[3:])
        elif parts[1] == "redirect":
            return self.reply(302, headers=[("Location", "/" + "/".join(parts[2:]))])
        elif parts[1] == "redirect-to-file":
            return self.reply(302, headers=[("Location", "file:///etc/passwd")])
        elif parts[1] == "agent":
            return self.reply(200, self.headers.get("User-Agent", "").encode())
        elif parts[1] == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            time.sleep(60)
            return
        return super().do_GET()

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    def handle_error(self, request, client_address):
        pass  # a client that gave up on /stall

server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
)";

/// The first line the server prints, within a few seconds.
std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (line.empty() || line.back() != '\n') {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10'000) <= 0 || read(fd, &c, 1) != 1) {
      throw std::runtime_error("the test HTTP server (python3) did not start");
    }
    line += c;
  }
  return line;
}

}  // namespace

HttpServer::HttpServer(const std::filesystem::path& root) {
  std::string log = (std::filesystem::temp_directory_path() / "cah-http-log-XXXXXX").string();
  int log_fd = mkstemp(log.data());
  if (log_fd < 0) throw std::runtime_error("mkstemp failed");
  close(log_fd);
  log_ = log;

  int fds[2];
  if (pipe(fds) < 0) throw std::runtime_error("pipe failed");
  util::Fd out_read(fds[0]);
  util::Fd out_write(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_read.get());
  std::string root_arg = root.string();
  std::vector<char*> argv = {const_cast<char*>("python3"),
                             const_cast<char*>("-c"),
                             const_cast<char*>(kServer),
                             root_arg.data(),
                             log.data(),
                             nullptr};
  int error = posix_spawnp(&pid_, "python3", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot start python3 for the test HTTP server");
  out_write.reset();
  try {
    port_ = std::stoi(read_line(out_read.get()));
  } catch (...) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw;
  }
}

HttpServer::~HttpServer() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  std::error_code ignored;
  std::filesystem::remove(log_, ignored);
}

std::string HttpServer::base() const { return "http://127.0.0.1:" + std::to_string(port_); }

int HttpServer::hits(const std::string& path) const {
  std::ifstream log(log_);
  int count = 0;
  for (std::string line; std::getline(log, line);) count += line == path;
  return count;
}

int unused_port() {
  util::Fd socket_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  // The kernel picks a free port; once this socket is closed, connecting
  // to it is refused at once.
  if (bind(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), size) < 0 ||
      getsockname(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), &size) < 0) {
    throw std::runtime_error("cannot find a free port");
  }
  return ntohs(address.sin_port);
}

}  // namespace registry::testing
