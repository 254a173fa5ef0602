// probe_engine against real engines: the local one, and those
// scripts/start-engines starts (a second dockerd on a unix socket, a third
// over TLS as a docker context, and sshd in front of it). scripts/test
// starts them; a test whose engine is not in the environment is skipped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "sandbox/engine.h"
#include "testing/engines.h"

namespace sandbox {
namespace {

using ::testing::HasSubstr;

using testing_engines::engine_missing;
using testing_engines::env;

void expect_usable(const EngineInfo& info) {
  EXPECT_TRUE(info.reachable) << info.error;
  EXPECT_EQ(info.error, "");
  EXPECT_FALSE(info.server_version.empty());
  EXPECT_GE(info.cpus, 1u);
  EXPECT_GT(info.memory_bytes, uint64_t{256} << 20);
  EXPECT_TRUE(info.cgroup_version == 1 || info.cgroup_version == 2) << info.cgroup_version;
}

TEST(EngineProbe, TheLocalEngine) { expect_usable(probe_engine(parse_engine("local"))); }

TEST(EngineProbe, ASecondDockerdOnItsSocket) {
  const std::string url = env("CAH_ENGINE_D2");
  if (engine_missing("CAH_ENGINE_D2")) GTEST_SKIP();
  const EngineInfo local = probe_engine(parse_engine("local"));
  const EngineInfo d2 = probe_engine(parse_engine(url + "=2"));
  expect_usable(d2);
  // The same machine: the same CPUs and memory.
  EXPECT_EQ(d2.cpus, local.cpus);
  EXPECT_EQ(d2.memory_bytes, local.memory_bytes);
}

TEST(EngineProbe, OverSsh) {
  const std::string url = env("CAH_ENGINE_SSH");
  if (engine_missing("CAH_ENGINE_SSH")) GTEST_SKIP();
  expect_usable(probe_engine(parse_engine(url)));
}

TEST(EngineProbe, ATlsEngineNamedByItsContext) {
  const std::string context = env("CAH_ENGINE_D3_CONTEXT");
  if (engine_missing("CAH_ENGINE_D3_CONTEXT")) GTEST_SKIP();
  expect_usable(probe_engine(parse_engine(context)));
}

TEST(EngineProbe, ATlsEngineWithoutItsCertificatesIsRefused) {
  const std::string url = env("CAH_ENGINE_D3_TLS");
  if (engine_missing("CAH_ENGINE_D3_TLS")) GTEST_SKIP();
  const EngineInfo info = probe_engine(parse_engine(url));
  EXPECT_FALSE(info.reachable);
  EXPECT_THAT(info.error, HasSubstr("HTTPS"));
}

TEST(EngineProbe, NoDaemonOnTheSocket) {
  const EngineInfo info = probe_engine(parse_engine("unix:///nonexistent/cah-engine.sock"));
  EXPECT_FALSE(info.reachable);
  EXPECT_THAT(info.error, HasSubstr("Cannot connect to the Docker daemon at "
                                    "unix:///nonexistent/cah-engine.sock"));
}

TEST(EngineProbe, NoSuchContext) {
  const EngineInfo info = probe_engine(parse_engine("cah-no-such-context"));
  EXPECT_FALSE(info.reachable);
  EXPECT_THAT(info.error, HasSubstr("cah-no-such-context"));
  EXPECT_THAT(info.error, HasSubstr("not found"));
}

TEST(EngineProbe, NoSshServer) {
  // A port nothing listens on (the discard port, on loopback).
  const EngineInfo info = probe_engine(parse_engine("ssh://root@127.0.0.1:9"));
  EXPECT_FALSE(info.reachable);
  EXPECT_THAT(info.error, HasSubstr("Connection refused"));
}

}  // namespace
}  // namespace sandbox
