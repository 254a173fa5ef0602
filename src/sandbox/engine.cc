#include "sandbox/engine.h"

#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>

#include "sandbox/child_process.h"

namespace sandbox {
namespace {

constexpr std::string_view kForms =
    "local, unix:///PATH, tcp://HOST:PORT, ssh://[USER@]HOST[:PORT] or a docker context's name";

[[noreturn]] void fail(const std::string& text, const std::string& why) {
  throw EngineSpecError("engine '" + text + "': " + why);
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

/// A number in [low, high], or nothing.
std::optional<size_t> number_in(std::string_view text, size_t low, size_t high) {
  if (!all_digits(text) || text.size() > 9) return std::nullopt;
  size_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < low || value > high) return std::nullopt;
  return value;
}

bool context_name(std::string_view text) {
  if (text.empty() || std::isalnum(static_cast<unsigned char>(text[0])) == 0) return false;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '.' && c != '+' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

/// Checks HOST[:PORT] (HOST may be an [IPv6] literal).
void check_host_port(const std::string& text, std::string_view authority) {
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) fail(text, "an IPv6 address needs its closing ']'");
    host = authority.substr(0, close + 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') fail(text, "expected ':PORT' after the address");
      port = rest.substr(1);
      if (port.empty()) fail(text, "the port after ':' is missing");
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) fail(text, "the port after ':' is missing");
  }
  if (host.empty()) fail(text, "the host name is missing");
  for (const char c : host) {
    if (c == '/' || c == '@' || c == ' ' || c == '?' || c == '#') {
      fail(text, std::string("'") + c + "' cannot appear in a host name");
    }
  }
  if (!port.empty() && !number_in(port, 1, 65535)) {
    fail(text, "the port '" + std::string(port) + "' is not a number from 1 to 65535");
  }
}

void check_url(const std::string& text, const std::string& url) {
  const size_t sep = url.find("://");
  const std::string scheme = url.substr(0, sep);
  std::string rest = url.substr(sep + 3);
  if (scheme == "unix") {
    if (rest.empty() || rest.front() != '/') {
      fail(text,
           "a unix:// URL needs the socket's absolute path, as in unix:///var/run/docker.sock");
    }
    return;
  }
  if (scheme != "tcp" && scheme != "ssh") {
    fail(text, "'" + scheme + "://' is not an engine URL; use " + std::string(kForms));
  }
  if (rest.find('/') != std::string::npos) {
    fail(text, "a " + scheme + ":// URL names a host, not a path: " + scheme + "://" +
                   (scheme == "ssh" ? "[USER@]HOST[:PORT]" : "HOST:PORT"));
  }
  if (rest.empty()) fail(text, "the host name is missing");
  if (scheme == "tcp") {
    if (rest.find('@') != std::string::npos) {
      fail(text, "a tcp:// URL carries no user; TLS certificates identify the client");
    }
    check_host_port(text, rest);
    return;
  }
  // ssh://[USER@]HOST[:PORT]
  const size_t at = rest.rfind('@');
  if (at != std::string::npos) {
    const std::string user = rest.substr(0, at);
    if (user.find(':') != std::string::npos) {
      fail(text, "an ssh:// URL cannot carry a password; use a key (docs/fleet.md)");
    }
    if (user.empty()) fail(text, "the user before '@' is missing");
    rest = rest.substr(at + 1);
  }
  check_host_port(text, rest);
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  size_t start = 0;
  while (start < text.size() && (text[start] == '\n' || text[start] == ' ')) ++start;
  text.erase(0, start);
  // One line: the status line shows it.
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

/// The CLI's words, with what it says around an ssh failure cut:
/// `error during connect: Get "http://docker.example.com/v1.50/info":
/// command [ssh … docker system dial-stdio] has exited with exit status
/// 255, make sure the URL is valid, and Docker 18.09 or later is installed
/// on the remote host: stderr=ssh: connect to host box port 22: Connection
/// refused` becomes `ssh (exit status 255): ssh: connect to host …`.
std::string cli_error(const std::string& err) {
  std::string text = trimmed(err);
  const size_t command = text.find("command [ssh ");
  const size_t status = text.find("] has exited with ", command);
  const size_t said = text.find("stderr=", status);
  if (command == std::string::npos || status == std::string::npos || said == std::string::npos) {
    return text;
  }
  const size_t status_end = text.find(',', status);
  std::string how = text.substr(
      status + 18, status_end == std::string::npos ? std::string::npos : status_end - status - 18);
  std::string rest = trimmed(text.substr(said + 7));
  if (rest.empty()) rest = "(nothing on stderr; is the docker CLI on the remote's PATH?)";
  return "ssh (" + how + "): " + rest;
}

}  // namespace

EngineSpec parse_engine(const std::string& text) {
  EngineSpec spec;
  std::string host = text;
  if (const size_t eq = text.rfind('='); eq != std::string::npos) {
    host = text.substr(0, eq);
    const std::string jobs = text.substr(eq + 1);
    const std::optional<size_t> count = number_in(jobs, 1, kMaxEngineJobs);
    if (!count) {
      fail(text, "JOBS after '=' must be a whole number from 1 to " +
                     std::to_string(kMaxEngineJobs) + ", not '" + jobs + "'");
    }
    spec.jobs = count;
  }
  if (host.empty()) fail(text, "the engine is missing; use " + std::string(kForms));
  if (host == "local") {
    spec.host = host;
    return spec;
  }
  if (host.find("://") != std::string::npos) {
    check_url(text, host);
  } else if (!context_name(host)) {
    std::string hint;
    if (host.front() == '/') {
      hint = " (a socket? unix://" + host + ")";
    } else if (host.find(':') != std::string::npos) {
      hint = " (a TCP address? tcp://" + host + "; a remote host over ssh? ssh://" + host + ")";
    }
    fail(text, "neither a URL nor a docker context name" + hint + "; use " + std::string(kForms));
  }
  spec.host = host;
  return spec;
}

std::string EngineSpec::name() const {
  const size_t sep = host.find("://");
  if (sep == std::string::npos) return host;
  // scheme://user:secret@host → scheme://user@host
  const size_t authority = sep + 3;
  const size_t end = host.find('/', authority);
  const size_t at = host.rfind('@', end == std::string::npos ? host.size() : end);
  if (at == std::string::npos || at < authority) return host;
  const size_t colon = host.find(':', authority);
  if (colon == std::string::npos || colon > at) return host;
  return host.substr(0, colon) + host.substr(at);
}

bool EngineSpec::context() const { return !local() && host.find("://") == std::string::npos; }

std::vector<std::string> docker_cli(const EngineSpec& engine, const std::string& docker) {
  if (engine.local()) return {docker};
  if (engine.context()) return {docker, "--context", engine.host};
  return {docker, "--host", engine.host};
}

EngineInfo parse_engine_info(const std::string& json) {
  EngineInfo info;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception&) {
    info.error = "`docker info` printed no JSON: " + trimmed(json.substr(0, 200));
    return info;
  }
  if (!doc.is_object()) {
    info.error = "`docker info` printed no JSON object";
    return info;
  }
  // Newer CLIs list why the server part is missing.
  if (const auto errors = doc.find("ServerErrors"); errors != doc.end() && errors->is_array()) {
    for (const auto& error : *errors) {
      if (!error.is_string()) continue;
      if (!info.error.empty()) info.error += "; ";
      info.error += trimmed(error.get<std::string>());
    }
  }
  if (const auto version = doc.find("ServerVersion");
      version != doc.end() && version->is_string()) {
    info.server_version = version->get<std::string>();
  }
  if (const auto cpus = doc.find("NCPU"); cpus != doc.end() && cpus->is_number_unsigned()) {
    info.cpus = cpus->get<unsigned>();
  }
  if (const auto memory = doc.find("MemTotal");
      memory != doc.end() && memory->is_number_unsigned()) {
    info.memory_bytes = memory->get<uint64_t>();
  }
  // "1" or "2" (a string in the API); absent before Docker 20.10.
  if (const auto cgroup = doc.find("CgroupVersion"); cgroup != doc.end()) {
    if (cgroup->is_string()) {
      const std::string value = cgroup->get<std::string>();
      if (value == "1" || value == "2") info.cgroup_version = value[0] - '0';
    } else if (cgroup->is_number_integer()) {
      const int value = cgroup->get<int>();
      if (value == 1 || value == 2) info.cgroup_version = value;
    }
  }
  info.reachable = !info.server_version.empty() && info.error.empty();
  if (!info.reachable && info.error.empty()) info.error = "the engine gave no server version";
  return info;
}

EngineInfo probe_engine(const EngineSpec& engine) {
  return probe_engine(engine, kEngineProbeTimeout);
}

EngineInfo probe_engine(const EngineSpec& engine, std::chrono::milliseconds timeout,
                        const std::string& docker) {
  std::vector<std::string> argv = docker_cli(engine, docker);
  argv.insert(argv.end(), {"info", "--format", "{{json .}}"});
  CommandOutput output;
  try {
    output = run_to_end(argv, timeout);
  } catch (const std::system_error& error) {
    EngineInfo info;
    info.error = "cannot run " + docker + ": " + error.what();
    return info;
  }
  if (output.timed_out) {
    EngineInfo info;
    info.error = "no answer within " + (timeout.count() % 1000 == 0
                                            ? std::to_string(timeout.count() / 1000) + " s"
                                            : std::to_string(timeout.count()) + " ms");
    if (const std::string said = cli_error(output.err); !said.empty()) info.error += ": " + said;
    return info;
  }
  EngineInfo info = parse_engine_info(output.out);
  if (!output.status.success()) {
    // The CLI prints an empty info object and says why on stderr.
    info.reachable = false;
    std::string said = cli_error(output.err);
    if (said.empty()) said = "`docker info` failed (" + output.status.describe() + ")";
    info.error = said;
  }
  return info;
}

}  // namespace sandbox
