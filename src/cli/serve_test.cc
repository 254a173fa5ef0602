// `crater-at-home serve` as a user runs it: it stops on SIGTERM at once,
// whatever its clients are doing.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(ServeCommand, ExitsWithinASecondOfSigtermWithClientsConnected) {
  const fs::path store =
      fs::temp_directory_path() / ("cah-serve-cmd-" + std::to_string(::getpid()));
  fs::create_directories(store / "miri");
  std::ofstream(store / "miri/index.html") << "<p>index</p>";

  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(CAH_BINARY, CAH_BINARY, "serve", "--store", store.c_str(), "--port", "0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // "serving DIR at http://127.0.0.1:PORT/"
  std::string banner;
  char c;
  while (banner.find('\n') == std::string::npos && ::read(out[0], &c, 1) == 1) banner += c;
  ::close(out[0]);
  const size_t colon = banner.rfind(':');
  ASSERT_NE(colon, std::string::npos) << banner;
  const int port = std::stoi(banner.substr(colon + 1));

  // Clients that trickle their request, and idle ones.
  std::vector<int> clients;
  for (int i = 0; i < 32; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    if (i % 2 == 0) ::send(fd, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
    clients.push_back(fd);
  }
  for (int round = 0; round < 5; ++round) {
    for (size_t i = 0; i < clients.size(); i += 2) {
      ::send(clients[i], "X: y\r\n", 6, MSG_NOSIGNAL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  const auto start = Clock::now();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  pid_t waited = 0;
  while ((waited = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         Clock::now() - start < std::chrono::seconds(5)) {
    for (size_t i = 0; i < clients.size(); i += 2) {
      ::send(clients[i], "X: y\r\n", 6, MSG_NOSIGNAL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const auto took = Clock::now() - start;
  if (waited == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  for (const int fd : clients) ::close(fd);
  fs::remove_all(store);
  ASSERT_EQ(waited, pid) << "serve still running 5 s after SIGTERM";
  EXPECT_LT(took, std::chrono::milliseconds(1000))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
