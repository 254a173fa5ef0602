// `crater-at-home serve [--store DIR|file://DIR] [--port P] [--bind ADDR]`:
// serves the sites in a file:// store as a bucket website would, to read
// results locally. Stops on Ctrl-C or SIGTERM.

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "report/site_server.h"
#include "store/store.h"

namespace cli {

namespace {

struct ServeOptions {
  std::string store{store::kDefaultStore};
  int port = 8000;
  std::string bind = "127.0.0.1";
};

std::string store_directory(const std::string& url) {
  if (url.starts_with("file://")) return url.substr(7);
  if (url.find("://") != std::string::npos) {
    throw std::runtime_error("serve needs a file:// store, not " + url +
                             " (an s3:// store is served by its bucket website)");
  }
  return url;
}

int serve(const ServeOptions& options) {
  const std::string directory = store_directory(options.store);
  // SIGINT and SIGTERM go to one thread, which stops the server: every other
  // thread, httplib's workers too, inherits the mask that blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  report::SiteServer server(
      directory, [](std::string_view method, std::string_view path, int status) {
        std::fprintf(stderr, "%d %.*s %.*s\n", status, static_cast<int>(method.size()),
                     method.data(), static_cast<int>(path.size()), path.data());
      });
  const int port = server.bind(options.bind, options.port);
  const bool ipv6 = options.bind.find(':') != std::string::npos;
  std::printf("serving %s at http://%s%s%s:%d/\n", directory.c_str(), ipv6 ? "[" : "",
              options.bind.c_str(), ipv6 ? "]" : "", port);
  std::fflush(stdout);

  std::atomic<bool> stopping = false;
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    stopping = true;
    server.stop();
  });
  server.run();
  // run() also returns when listening fails; the waiter still waits then.
  const bool signalled = stopping;
  // SIGTERM is blocked and sigwait'ed for: it wakes the waiter, kills nothing.
  if (!signalled)
    pthread_kill(waiter.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
  waiter.join();
  return signalled ? 0 : 1;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_status) {
  CLI::App* command = app.add_subcommand(
      "serve", "Serve the sites in a file:// store over HTTP, as a bucket would");
  auto options = std::make_shared<ServeOptions>();
  command->add_option("--store", options->store, "The store: DIR or file://DIR")
      ->capture_default_str();
  command->add_option("--port", options->port, "TCP port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command->add_option("--bind", options->bind, "Address to listen on")->capture_default_str();
  command->callback([options, &exit_status] { exit_status = serve(*options); });
}

}  // namespace cli
