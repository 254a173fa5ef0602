#include "agent/memory_meter.h"

#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace agent {
namespace {

namespace fs = std::filesystem;

std::optional<uint64_t> read_number(const fs::path& file) {
  std::ifstream in(file);
  uint64_t value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

/// The value of `key` in a flat keyed file ("oom_kill 3\n").
std::optional<uint64_t> read_key(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    uint64_t value = 0;
    if (fields >> name >> value && name == key) return value;
  }
  return std::nullopt;
}

}  // namespace

MemoryMeter::MemoryMeter(fs::path cgroup_root) : root_(std::move(cgroup_root)) {
  std::error_code error;
  if (fs::exists(root_ / "memory" / "memory.max_usage_in_bytes", error)) {
    version_ = Version::kV1;
  } else if (fs::exists(root_ / "memory.peak", error) ||
             fs::exists(root_ / "memory.events", error)) {
    version_ = Version::kV2;
  }
}

void MemoryMeter::start() {
  if (version_ == Version::kV1) {
    // Writable only with the right privileges; else the peak is the
    // cgroup's since the container started, still a bound.
    std::ofstream reset(root_ / "memory" / "memory.max_usage_in_bytes");
    reset << "0" << std::flush;
  }
  oom_kills_at_start_ = read_oom_kill_counter();
}

std::optional<uint64_t> MemoryMeter::read_oom_kill_counter() const {
  switch (version_) {
    case Version::kV1:
      return read_key(root_ / "memory" / "memory.oom_control", "oom_kill");
    case Version::kV2:
      return read_key(root_ / "memory.events", "oom_kill");
    case Version::kNone:
      break;
  }
  return std::nullopt;
}

uint64_t MemoryMeter::oom_kills() const {
  const std::optional<uint64_t> now = read_oom_kill_counter();
  if (!now || !oom_kills_at_start_ || *now < *oom_kills_at_start_) return 0;
  return *now - *oom_kills_at_start_;
}

uint64_t MemoryMeter::peak_bytes() const {
  std::optional<uint64_t> peak;
  if (version_ == Version::kV1) peak = read_number(root_ / "memory" / "memory.max_usage_in_bytes");
  if (version_ == Version::kV2) peak = read_number(root_ / "memory.peak");
  if (peak) return *peak;
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is in KiB
}

}  // namespace agent
