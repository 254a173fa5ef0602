#include "agent/memory_meter.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace agent {
namespace {

namespace fs = std::filesystem;

/// The number at the start of what `fd` holds, read from offset 0: cgroup
/// files give their current value on every pread.
std::optional<uint64_t> read_number(int fd) {
  std::array<char, 32> text{};
  ssize_t n = 0;
  do {
    n = pread(fd, text.data(), text.size(), 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return std::nullopt;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + n, value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

std::optional<uint64_t> read_number(const fs::path& file) {
  const util::Fd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  return read_number(fd.get());
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

bool file_exists(const fs::path& file) {
  std::error_code error;
  return fs::exists(file, error);
}

uint64_t children_max_rss() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is in KiB
}

uint32_t mean_interval_ms(std::chrono::steady_clock::duration elapsed, uint64_t samples,
                          std::chrono::milliseconds asked) {
  const auto ms = std::chrono::duration<double, std::milli>(elapsed).count();
  const double mean = samples > 0 ? std::ceil(ms / static_cast<double>(samples)) : ms;
  return static_cast<uint32_t>(std::max(mean, static_cast<double>(asked.count())));
}

}  // namespace

MemoryMeter::MemoryMeter(MemoryMeterOptions options) : options_(std::move(options)) {
  const fs::path& root = options_.cgroup_root;
  if (file_exists(root / "memory" / "memory.usage_in_bytes") ||
      file_exists(root / "memory" / "memory.max_usage_in_bytes")) {
    version_ = Version::kV1;
  } else if (file_exists(root / "memory.current") || file_exists(root / "memory.peak") ||
             file_exists(root / "memory.events")) {
    version_ = Version::kV2;
  }
}

MemoryMeter::~MemoryMeter() { stop_sampling(); }

fs::path MemoryMeter::peak_file() const {
  if (version_ == Version::kV1)
    return options_.cgroup_root / "memory" / "memory.max_usage_in_bytes";
  return options_.cgroup_root / "memory.peak";
}

fs::path MemoryMeter::usage_file() const {
  if (version_ == Version::kV1) return options_.cgroup_root / "memory" / "memory.usage_in_bytes";
  return options_.cgroup_root / "memory.current";
}

void MemoryMeter::start() {
  oom_kills_at_start_ = read_oom_kill_counter();
  if (version_ == Version::kNone) {
    method_ = PeakMemorySource::kRusage;
    return;
  }
  if (options_.reset_peak && version_ == Version::kV2 && reset_v2_peak()) {
    method_ = PeakMemorySource::kCgroupPeak;
  } else if (options_.reset_peak && version_ == Version::kV1 && reset_v1_peak()) {
    method_ = PeakMemorySource::kCgroupMaxUsage;
  } else {
    start_sampling();
  }
}

bool MemoryMeter::reset_v2_peak() {
  // Since Linux 6.12 a write resets the peak seen through this descriptor
  // only; before, or read-only, the open or the write fails.
  util::Fd fd(open(peak_file().c_str(), O_RDWR | O_CLOEXEC));
  if (!fd || util::write_all(fd.get(), "reset\n") != 0) return false;
  peak_fd_ = std::move(fd);
  return true;
}

bool MemoryMeter::reset_v1_peak() {
  // Needs a writable cgroupfs: Docker mounts it read-only unless privileged.
  const util::Fd fd(open(peak_file().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  return fd && util::write_all(fd.get(), "0\n") == 0;
}

void MemoryMeter::start_sampling() {
  method_ = PeakMemorySource::kSampled;
  lifetime_peak_at_start_ = read_number(peak_file());
  usage_fd_.reset(open(usage_file().c_str(), O_RDONLY | O_CLOEXEC));
  sampled_peak_ = 0;
  if (!usage_fd_) return;
  if (const auto usage = read_number(usage_fd_.get())) sampled_peak_ = *usage;
  stop_ = false;
  samples_ = 0;
  sampling_since_ = std::chrono::steady_clock::now();
  sampler_ = std::thread([this] { sample_loop(); });
}

void MemoryMeter::sample_loop() {
  // Only pread and sleep: the main thread forks, and a child of a
  // multi-threaded process must not inherit a lock this thread holds.
  while (!stop_.load(std::memory_order_relaxed)) {
    samples_.fetch_add(1, std::memory_order_relaxed);
    if (const auto usage = read_number(usage_fd_.get())) {
      const uint64_t seen = sampled_peak_.load(std::memory_order_relaxed);
      if (*usage > seen) sampled_peak_.store(*usage, std::memory_order_relaxed);
    }
    std::this_thread::sleep_for(options_.sample_interval);
  }
}

void MemoryMeter::stop_sampling() {
  if (!sampler_.joinable()) return;
  stop_ = true;
  sampler_.join();
}

PeakMemory MemoryMeter::finish() {
  PeakMemory peak{.source = method_};
  switch (method_) {
    case PeakMemorySource::kCgroupPeak:
      peak.bytes = read_number(peak_fd_.get()).value_or(0);
      peak_fd_.reset();
      break;
    case PeakMemorySource::kCgroupMaxUsage:
      peak.bytes = read_number(peak_file()).value_or(0);
      break;
    case PeakMemorySource::kSampled: {
      stop_sampling();
      // One last read: the job may have peaked after the last sample.
      if (usage_fd_) {
        const uint64_t last = read_number(usage_fd_.get()).value_or(0);
        if (last > sampled_peak_) sampled_peak_ = last;
      }
      peak.bytes = sampled_peak_;
      peak.samples = samples_;
      peak.sample_ms = mean_interval_ms(std::chrono::steady_clock::now() - sampling_since_,
                                        peak.samples, options_.sample_interval);
      // The lifetime peak only rises when usage passes it, so a risen one
      // was set during this job and is the job's exact peak.
      const std::optional<uint64_t> lifetime = read_number(peak_file());
      if (lifetime && lifetime_peak_at_start_ && *lifetime > *lifetime_peak_at_start_) {
        peak = {.bytes = *lifetime, .source = PeakMemorySource::kCgroupLifetimePeak};
      } else if (!usage_fd_) {
        peak = {.bytes = children_max_rss(), .source = PeakMemorySource::kRusage};
      }
      break;
    }
    case PeakMemorySource::kRusage:
    case PeakMemorySource::kUnknown:
    case PeakMemorySource::kCgroupLifetimePeak:
      peak.source = PeakMemorySource::kRusage;
      peak.bytes = children_max_rss();
      break;
  }
  return peak;
}

std::optional<uint64_t> MemoryMeter::read_oom_kill_counter() const {
  switch (version_) {
    case Version::kV1:
      return read_key(options_.cgroup_root / "memory" / "memory.oom_control", "oom_kill");
    case Version::kV2:
      return read_key(options_.cgroup_root / "memory.events", "oom_kill");
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

}  // namespace agent
