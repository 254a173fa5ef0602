#pragma once
// Peak memory and OOM kills of one job, read from the sandbox's memory
// cgroup: exit codes cannot tell an OOM kill (137, 101, or 0 behind a
// shell), the kernel's oom_kill counter can. Without a memory cgroup, the
// peak falls back to getrusage and OOM kills go unseen.

#include <cstdint>
#include <filesystem>
#include <optional>

namespace agent {

class MemoryMeter {
 public:
  /// `cgroup_root` is where cgroupfs is mounted (/sys/fs/cgroup in the
  /// container): v1 if it holds memory/memory.max_usage_in_bytes, v2 if it
  /// holds memory.peak or memory.events. Tests point it at a fake folder.
  explicit MemoryMeter(std::filesystem::path cgroup_root);

  /// Call before the job: resets the v1 peak if we may, and notes the OOM
  /// kill counter.
  void start();
  /// OOM kills in the cgroup since start().
  uint64_t oom_kills() const;
  /// The largest memory use seen, in bytes: the cgroup's peak (since start()
  /// on v1 if it could be reset), else our reaped children's largest RSS.
  uint64_t peak_bytes() const;

 private:
  enum class Version : uint8_t { kNone, kV1, kV2 };

  std::optional<uint64_t> read_oom_kill_counter() const;

  std::filesystem::path root_;
  Version version_ = Version::kNone;
  std::optional<uint64_t> oom_kills_at_start_;
};

}  // namespace agent
