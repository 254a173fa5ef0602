#pragma once
// Peak memory and OOM kills of one job, read from the sandbox's memory
// cgroup: exit codes cannot tell an OOM kill (137, 101, or 0 behind a
// shell), the kernel's oom_kill counter can.
//
// A worker runs many jobs, so the cgroup's own peak is the worker's, not the
// job's. The meter takes the best figure the kernel allows, in this order:
// v2 memory.peak reset through its own file descriptor (Linux 6.12+), v1
// max_usage_in_bytes reset by writing 0, and else (cgroupfs is read-only in
// an unprivileged container) the usage sampled by a thread every few ms,
// unless the cgroup's lifetime peak rose during the job: then that peak is
// the job's, exactly. Without a memory cgroup: getrusage, and no OOM kills.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <thread>

#include "agent/job.h"
#include "util/fd.h"

namespace agent {

struct MemoryMeterOptions {
  /// Where cgroupfs is mounted (/sys/fs/cgroup in the container): v1 if it
  /// holds memory/memory.usage_in_bytes, v2 if memory.current or
  /// memory.events. Tests point it at a fake folder.
  std::filesystem::path cgroup_root = "/sys/fs/cgroup";
  /// How often usage is read when the peak cannot be reset.
  std::chrono::milliseconds sample_interval{5};
  /// Whether start() tries to reset the cgroup's peak. Only tests turn it
  /// off: their fake cgroup files are always writable.
  bool reset_peak = true;
};

struct PeakMemory {
  uint64_t bytes = 0;
  PeakMemorySource source = PeakMemorySource::kUnknown;
  /// For kSampled: the mean time between samples, rounded up. More than the
  /// interval asked for when the job keeps the agent's CPU busy.
  uint32_t sample_ms = 0;
  uint64_t samples = 0;  // usage reads while sampling, for measuring its cost
};

class MemoryMeter {
 public:
  explicit MemoryMeter(MemoryMeterOptions options);
  ~MemoryMeter();
  MemoryMeter(const MemoryMeter&) = delete;
  MemoryMeter& operator=(const MemoryMeter&) = delete;

  /// Call once, before the job: resets the peak if it may, else starts
  /// sampling; notes the OOM kill counter.
  void start();
  /// OOM kills in the cgroup since start().
  uint64_t oom_kills() const;
  /// Call once, after the job: its peak and how it was measured. Stops the
  /// sampling.
  PeakMemory finish();

 private:
  enum class Version : uint8_t { kNone, kV1, kV2 };

  bool reset_v2_peak();
  bool reset_v1_peak();
  void start_sampling();
  void stop_sampling();
  void sample_loop();
  std::filesystem::path peak_file() const;
  std::filesystem::path usage_file() const;
  std::optional<uint64_t> read_oom_kill_counter() const;

  MemoryMeterOptions options_;
  Version version_ = Version::kNone;
  PeakMemorySource method_ = PeakMemorySource::kUnknown;
  std::optional<uint64_t> oom_kills_at_start_;
  /// kCgroupPeak: the memory.peak descriptor that was reset; only reads
  /// through it give the peak since the reset.
  util::Fd peak_fd_;
  /// kSampled: the lifetime peak before the job, the usage file, the largest
  /// usage seen, and the thread reading it.
  std::optional<uint64_t> lifetime_peak_at_start_;
  util::Fd usage_fd_;
  std::atomic<uint64_t> sampled_peak_{0};
  std::atomic<uint64_t> samples_{0};
  std::chrono::steady_clock::time_point sampling_since_;
  std::atomic<bool> stop_{false};
  std::thread sampler_;
};

}  // namespace agent
