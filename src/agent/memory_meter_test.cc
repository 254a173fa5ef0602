// The meter against fake cgroup folders: plain files that the test changes
// while the "job" runs, as the kernel would.

#include "agent/memory_meter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr uint64_t kMiB = uint64_t{1} << 20;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::trunc) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_number(const fs::path& path, uint64_t value) {
  write_file(path, std::to_string(value) + "\n");
}

class MemoryMeterTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ =
        fs::temp_directory_path() / ("cah-memory-meter-" + std::to_string(getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  /// A v1 memory controller as Docker mounts it at /sys/fs/cgroup/memory.
  fs::path v1(uint64_t usage, uint64_t max_usage) {
    write_number(root_ / "memory/memory.usage_in_bytes", usage);
    write_number(root_ / "memory/memory.max_usage_in_bytes", max_usage);
    write_file(root_ / "memory/memory.oom_control",
               "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    return root_ / "memory";
  }
  /// A v2 cgroup as a container sees it at /sys/fs/cgroup.
  fs::path v2(uint64_t current, uint64_t peak) {
    write_number(root_ / "memory.current", current);
    write_number(root_ / "memory.peak", peak);
    write_file(root_ / "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
    return root_;
  }
  MemoryMeterOptions options(bool reset_peak) const {
    return {.cgroup_root = root_, .sample_interval = milliseconds(5), .reset_peak = reset_peak};
  }

  fs::path root_;
};

TEST_F(MemoryMeterTest, ResetsAV2PeakThroughItsOwnDescriptor) {
  const fs::path dir = v2(100 * kMiB, 900 * kMiB);
  MemoryMeter meter(options(true));
  meter.start();
  EXPECT_EQ(read_file(dir / "memory.peak").substr(0, 5), "reset");
  // The kernel now answers reads through that descriptor with the peak
  // since the reset.
  write_number(dir / "memory.peak", 120 * kMiB);
  const PeakMemory peak = meter.finish();
  EXPECT_EQ(peak.source, PeakMemorySource::kCgroupPeak);
  EXPECT_EQ(peak.bytes, 120 * kMiB);
  EXPECT_EQ(peak.sample_ms, 0U);
}

TEST_F(MemoryMeterTest, ResetsAV1PeakByWritingZero) {
  const fs::path dir = v1(100 * kMiB, 900 * kMiB);
  MemoryMeter meter(options(true));
  meter.start();
  EXPECT_EQ(read_file(dir / "memory.max_usage_in_bytes"), "0\n");
  write_number(dir / "memory.max_usage_in_bytes", 130 * kMiB);
  const PeakMemory peak = meter.finish();
  EXPECT_EQ(peak.source, PeakMemorySource::kCgroupMaxUsage);
  EXPECT_EQ(peak.bytes, 130 * kMiB);
}

TEST_F(MemoryMeterTest, SamplesUsageWhenThePeakCannotBeReset) {
  const fs::path dir = v1(100 * kMiB, 900 * kMiB);
  MemoryMeter meter(options(false));
  meter.start();
  // Each level is held for many sampling intervals; the highest must be
  // seen even though usage falls again before the job ends.
  for (const uint64_t mib : {150, 400, 250, 120}) {
    write_number(dir / "memory.usage_in_bytes", mib * kMiB);
    std::this_thread::sleep_for(milliseconds(150));
  }
  const PeakMemory peak = meter.finish();
  EXPECT_EQ(peak.source, PeakMemorySource::kSampled);
  EXPECT_EQ(peak.bytes, 400 * kMiB);
  // The mean time between samples: 5 ms asked, more on a busy machine.
  EXPECT_GE(peak.sample_ms, 5U);
  EXPECT_LT(peak.sample_ms, 100U);
  EXPECT_GT(peak.samples, 600 / 100U);
  // The worker's peak stays far above the job's: it is not what we report.
  EXPECT_EQ(read_file(dir / "memory.max_usage_in_bytes"), std::to_string(900 * kMiB) + "\n");
}

TEST_F(MemoryMeterTest, ALifetimePeakRisenDuringTheJobIsTheJobsExactPeak) {
  const fs::path dir = v1(100 * kMiB, 300 * kMiB);
  MemoryMeter meter(options(false));
  meter.start();
  // A spike between two samples: the kernel's watermark still has it.
  write_number(dir / "memory.max_usage_in_bytes", 1500 * kMiB);
  write_number(dir / "memory.usage_in_bytes", 120 * kMiB);
  std::this_thread::sleep_for(milliseconds(30));
  const PeakMemory peak = meter.finish();
  EXPECT_EQ(peak.source, PeakMemorySource::kCgroupLifetimePeak);
  EXPECT_EQ(peak.bytes, 1500 * kMiB);
  EXPECT_EQ(peak.sample_ms, 0U);
}

TEST_F(MemoryMeterTest, SamplesV2MemoryCurrent) {
  const fs::path dir = v2(50 * kMiB, 700 * kMiB);
  MemoryMeter meter(options(false));
  meter.start();
  write_number(dir / "memory.current", 210 * kMiB);
  std::this_thread::sleep_for(milliseconds(150));
  write_number(dir / "memory.current", 60 * kMiB);
  std::this_thread::sleep_for(milliseconds(50));
  const PeakMemory peak = meter.finish();
  EXPECT_EQ(peak.source, PeakMemorySource::kSampled);
  EXPECT_EQ(peak.bytes, 210 * kMiB);
}

TEST_F(MemoryMeterTest, AV2CgroupWithoutMemoryPeakIsSampled) {
  // Before Linux 5.19 there is no memory.peak at all.
  write_number(root_ / "memory.current", 80 * kMiB);
  write_file(root_ / "memory.events", "oom_kill 0\n");
  MemoryMeter meter(options(true));
  meter.start();
  const PeakMemory peak = meter.finish();
  EXPECT_EQ(peak.source, PeakMemorySource::kSampled);
  EXPECT_EQ(peak.bytes, 80 * kMiB);
}

TEST_F(MemoryMeterTest, UsageAtTheEndCounts) {
  // A job whose peak comes after the last sample.
  const fs::path dir = v1(100 * kMiB, 900 * kMiB);
  MemoryMeter meter(options(false));
  meter.start();
  write_number(dir / "memory.usage_in_bytes", 333 * kMiB);
  const PeakMemory peak = meter.finish();
  EXPECT_EQ(peak.bytes, 333 * kMiB);
}

TEST_F(MemoryMeterTest, CountsOomKillsSinceStart) {
  const fs::path dir = v1(100 * kMiB, 900 * kMiB);
  write_file(dir / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
  MemoryMeter meter(options(false));
  meter.start();
  EXPECT_EQ(meter.oom_kills(), 0U);
  write_file(dir / "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
  EXPECT_EQ(meter.oom_kills(), 1U);
  meter.finish();
}

TEST_F(MemoryMeterTest, WithoutACgroupFallsBackToRusage) {
  MemoryMeter meter(options(true));
  meter.start();
  EXPECT_EQ(meter.finish().source, PeakMemorySource::kRusage);
}

TEST_F(MemoryMeterTest, AnUnreadableUsageFallsBackToRusage) {
  const fs::path dir = v1(100 * kMiB, 900 * kMiB);
  fs::remove(dir / "memory.usage_in_bytes");
  MemoryMeter meter(options(false));
  meter.start();
  EXPECT_EQ(meter.finish().source, PeakMemorySource::kRusage);
}

TEST_F(MemoryMeterTest, ADestroyedMeterStopsSampling) {
  v1(100 * kMiB, 900 * kMiB);
  // Left without finish(), as when a job throws: joins its thread.
  MemoryMeter meter(options(false));
  meter.start();
}

}  // namespace
}  // namespace agent
