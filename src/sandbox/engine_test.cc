#include "sandbox/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace sandbox {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(ParseEngine, AcceptsEveryForm) {
  EXPECT_EQ(parse_engine("local"), (EngineSpec{.host = "local"}));
  EXPECT_EQ(parse_engine("local=3"), (EngineSpec{.host = "local", .jobs = 3}));
  EXPECT_EQ(parse_engine("unix:///var/tmp/d2.sock").host, "unix:///var/tmp/d2.sock");
  EXPECT_EQ(parse_engine("tcp://10.0.0.5:2376=16"),
            (EngineSpec{.host = "tcp://10.0.0.5:2376", .jobs = 16}));
  EXPECT_EQ(parse_engine("tcp://build-1.example.org:2376").host, "tcp://build-1.example.org:2376");
  EXPECT_EQ(parse_engine("tcp://[::1]:2376").host, "tcp://[::1]:2376");
  EXPECT_EQ(parse_engine("tcp://build-1").host, "tcp://build-1");  // the CLI's default port
  EXPECT_EQ(parse_engine("ssh://root@box:2222=8"),
            (EngineSpec{.host = "ssh://root@box:2222", .jobs = 8}));
  EXPECT_EQ(parse_engine("ssh://box").host, "ssh://box");
  EXPECT_EQ(parse_engine("fleet-a.2+x_y=1"), (EngineSpec{.host = "fleet-a.2+x_y", .jobs = 1}));
  EXPECT_EQ(parse_engine("local=4096").jobs, 4096u);
}

TEST(ParseEngine, SaysWhatIsWrongAndWhatIsAllowed) {
  struct Bad {
    std::string text;
    std::string says;
  };
  const Bad bad[] = {
      {"", "the engine is missing"},
      {"=4", "the engine is missing"},
      {"local=0", "JOBS after '=' must be a whole number from 1 to 4096, not '0'"},
      {"local=", "not ''"},
      {"local=-1", "not '-1'"},
      {"local=2.5", "not '2.5'"},
      {"local=4097", "not '4097'"},
      {"local=99999999999999999999", "whole number"},
      {"ssh://box=many", "not 'many'"},
      {"http://box:2375", "'http://' is not an engine URL; use local, unix:///PATH"},
      {"npipe:////./pipe/docker_engine", "'npipe://' is not an engine URL"},
      {"unix://", "absolute path"},
      {"unix://relative.sock", "absolute path"},
      {"tcp://", "the host name is missing"},
      {"tcp://:2376", "the host name is missing"},
      {"tcp://box:", "the port after ':' is missing"},
      {"tcp://box:0", "the port '0' is not a number from 1 to 65535"},
      {"tcp://box:70000", "'70000'"},
      {"tcp://box:http", "'http'"},
      {"tcp://box:2376/v1", "names a host, not a path"},
      {"ssh://box/", "names a host, not a path: ssh://[USER@]HOST[:PORT]"},
      {"tcp://me@box:2376", "carries no user"},
      {"tcp://[::1:2376", "closing ']'"},
      {"ssh://root:hunter2@box", "cannot carry a password"},
      {"ssh://@box", "the user before '@' is missing"},
      {"ssh://root@", "the host name is missing"},
      {"ssh://root@box:22x", "'22x'"},
      {"/var/run/docker.sock", "a socket? unix:///var/run/docker.sock"},
      {"box:2376", "a TCP address? tcp://box:2376"},
      {"-box", "neither a URL nor a docker context name"},
      {"my context", "neither a URL nor a docker context name"},
  };
  for (const Bad& b : bad) {
    try {
      parse_engine(b.text);
      ADD_FAILURE() << "accepted '" << b.text << "'";
    } catch (const EngineSpecError& error) {
      EXPECT_THAT(error.what(), HasSubstr("engine '" + b.text + "'")) << b.text;
      EXPECT_THAT(error.what(), HasSubstr(b.says)) << b.text;
    }
  }
}

TEST(EngineSpec, NameHasNoCredentials) {
  EXPECT_EQ(EngineSpec{}.name(), "local");
  EXPECT_EQ(parse_engine("ssh://root@box:2222=3").name(), "ssh://root@box:2222");
  EXPECT_EQ(parse_engine("fleet-a").name(), "fleet-a");
  // parse_engine refuses a password, but a spec can be made directly.
  EXPECT_EQ(EngineSpec{.host = "ssh://root:hunter2@box:22"}.name(), "ssh://root@box:22");
  EXPECT_EQ(EngineSpec{.host = "tcp://u:p@box:2376/"}.name(), "tcp://u@box:2376/");
}

TEST(EngineSpec, TheDockerCliForEachForm) {
  EXPECT_EQ(docker_cli(parse_engine("local")), (std::vector<std::string>{"docker"}));
  EXPECT_EQ(docker_cli(parse_engine("ssh://root@box"), "/usr/bin/docker"),
            (std::vector<std::string>{"/usr/bin/docker", "--host", "ssh://root@box"}));
  EXPECT_EQ(docker_cli(parse_engine("unix:///d2.sock=2")),
            (std::vector<std::string>{"docker", "--host", "unix:///d2.sock"}));
  EXPECT_EQ(docker_cli(parse_engine("fleet")),
            (std::vector<std::string>{"docker", "--context", "fleet"}));
  EXPECT_TRUE(parse_engine("fleet").context());
  EXPECT_FALSE(parse_engine("tcp://box:2376").context());
  EXPECT_FALSE(parse_engine("local").context());
}

// What a 20.10 engine answers, cut down.
constexpr const char* kInfo =
    R"({"ID":"3JAW","NCPU":64,"MemTotal":270000000000,"CgroupVersion":"2",)"
    R"("ServerVersion":"20.10.24+dfsg1","Driver":"overlay2","ClientInfo":{"Version":"28.2.2"}})";

TEST(ParseEngineInfo, ReadsVersionCpusMemoryAndCgroups) {
  const EngineInfo info = parse_engine_info(kInfo);
  EXPECT_TRUE(info.reachable);
  EXPECT_EQ(info.error, "");
  EXPECT_EQ(info.server_version, "20.10.24+dfsg1");
  EXPECT_EQ(info.cpus, 64u);
  EXPECT_EQ(info.memory_bytes, 270000000000u);
  EXPECT_EQ(info.cgroup_version, 2);
}

TEST(ParseEngineInfo, AnEmptyServerPartIsUnreachable) {
  // What the CLI prints when it cannot connect (the reason goes to stderr).
  EngineInfo info = parse_engine_info(R"({"ServerVersion":"","NCPU":0,"MemTotal":0})");
  EXPECT_FALSE(info.reachable);
  EXPECT_EQ(info.error, "the engine gave no server version");
  info = parse_engine_info(
      R"({"ServerVersion":"","ServerErrors":["Cannot connect to the Docker daemon at x.\n"]})");
  EXPECT_FALSE(info.reachable);
  EXPECT_EQ(info.error, "Cannot connect to the Docker daemon at x.");
  info = parse_engine_info("Template parsing error");
  EXPECT_FALSE(info.reachable);
  EXPECT_THAT(info.error, HasSubstr("printed no JSON: Template parsing error"));
  // No cgroup version (before 20.10), or one we do not know.
  info = parse_engine_info(R"({"ServerVersion":"19.03.1","NCPU":4})");
  EXPECT_TRUE(info.reachable);
  EXPECT_EQ(info.cgroup_version, 0);
  EXPECT_EQ(parse_engine_info(R"({"ServerVersion":"x","CgroupVersion":"3"})").cgroup_version, 0);
}

/// A stand-in `docker` CLI: a shell script that logs its arguments and
/// does what `body` says.
class FakeDocker : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cah-engine-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string make(const std::string& body) {
    const fs::path script = dir_ / "docker";
    std::ofstream(script) << "#!/bin/sh\necho \"$@\" >" << (dir_ / "args").string() << "\n"
                          << body << "\n";
    chmod(script.c_str(), 0755);
    return script.string();
  }
  std::string args() const {
    std::ifstream in(dir_ / "args");
    std::string line;
    std::getline(in, line);
    return line;
  }

  fs::path dir_;
};

TEST_F(FakeDocker, ProbeAsksDockerInfoOfThatEngine) {
  const std::string docker = make(std::string("echo '") + kInfo + "'");
  const EngineInfo info =
      probe_engine(parse_engine("ssh://root@box:2222"), std::chrono::seconds(10), docker);
  EXPECT_TRUE(info.reachable) << info.error;
  EXPECT_EQ(info.cpus, 64u);
  EXPECT_EQ(info.cgroup_version, 2);
  EXPECT_EQ(args(), "--host ssh://root@box:2222 info --format {{json .}}");
  probe_engine(parse_engine("fleet"), std::chrono::seconds(10), docker);
  EXPECT_EQ(args(), "--context fleet info --format {{json .}}");
}

TEST_F(FakeDocker, AnUnreachableEngineIsToldInTheClisWords) {
  const std::string docker = make(
      R"(echo '{"ServerVersion":"","NCPU":0}'; )"
      R"(echo 'Cannot connect to the Docker daemon at tcp://box:2376. Is the docker daemon running?' >&2; )"
      "exit 1");
  const EngineInfo info =
      probe_engine(parse_engine("tcp://box:2376"), std::chrono::seconds(10), docker);
  EXPECT_FALSE(info.reachable);
  EXPECT_EQ(info.error,
            "Cannot connect to the Docker daemon at tcp://box:2376. Is the docker daemon running?");
}

TEST_F(FakeDocker, AnSshFailureIsToldWithoutTheBoilerplate) {
  const std::string docker = make(
      R"(echo 'error during connect: Get "http://docker.example.com/v1.50/info": command [ssh )"
      R"(-o ConnectTimeout=30 -T -l root -p 1 -- localhost docker system dial-stdio] has exited )"
      R"(with exit status 255, make sure the URL is valid, and Docker 18.09 or later is installed )"
      R"(on the remote host: stderr=ssh: connect to host localhost port 1: Connection refused' >&2;)"
      " exit 1");
  const EngineInfo info =
      probe_engine(parse_engine("ssh://root@localhost:1"), std::chrono::seconds(10), docker);
  EXPECT_FALSE(info.reachable);
  EXPECT_EQ(info.error,
            "ssh (exit status 255): ssh: connect to host localhost port 1: Connection refused");
}

TEST_F(FakeDocker, AFailureWithNothingSaidStillSaysSomething) {
  const EngineInfo info =
      probe_engine(parse_engine("fleet"), std::chrono::seconds(10), make("exit 3"));
  EXPECT_FALSE(info.reachable);
  EXPECT_EQ(info.error, "`docker info` failed (exit status 3)");
}

TEST_F(FakeDocker, AnEngineThatHangsIsGivenUpOn) {
  const std::string docker = make("echo 'connecting' >&2; exec sleep 30");
  const auto start = std::chrono::steady_clock::now();
  const EngineInfo info =
      probe_engine(parse_engine("ssh://slow"), std::chrono::milliseconds(500), docker);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_FALSE(info.reachable);
  EXPECT_EQ(info.error, "no answer within 500 ms: connecting");
}

TEST_F(FakeDocker, NoDockerCliIsUnreachable) {
  const EngineInfo info = probe_engine(parse_engine("local"), std::chrono::seconds(10),
                                       (dir_ / "no-such-docker").string());
  EXPECT_FALSE(info.reachable);
  EXPECT_FALSE(info.error.empty());
}

}  // namespace
}  // namespace sandbox
