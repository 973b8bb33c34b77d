// Two-thread race harnesses (*_race.cc): a thread plays a second vCPU that rewrites
// guest memory as fast as it can while the host thread makes a device consume it, in the
// style of native/test/svga_fifo_race_test.cc. A device that reads a field twice (checks
// one value, uses another) gets caught by ASan or by FuzzDisk's range check; one that
// copies once survives any timing. RACE_MS (default 1000) is how long each runs.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <thread>

namespace vireo_fuzz {

inline std::chrono::milliseconds race_duration() {
  const char* ms = std::getenv("RACE_MS");
  return std::chrono::milliseconds(ms ? std::strtoul(ms, nullptr, 10) : 1000);
}

// Runs `flip(round, bad)` on its own thread until destroyed: each round toggles one
// field 128 times between its hostile (bad) and valid value and leaves it valid, so only
// one field at a time is hostile and the others keep the request alive for the device
// to reach the code that reads the toggled one.
class SecondVcpu {
 public:
  explicit SecondVcpu(std::function<void(uint64_t, bool)> flip)
      : thread_([this, f = std::move(flip)] {
          for (uint64_t n = 0; !stop_.load(std::memory_order_relaxed); ++n)
            f(n / 128, (n & 1) && n % 128 != 127);
        }) {}
  ~SecondVcpu() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Calls `step()` on this thread until the race duration is over; returns the count.
inline uint64_t host_loop(const std::function<void()>& step) {
  auto until = std::chrono::steady_clock::now() + race_duration();
  uint64_t n = 0;
  while (std::chrono::steady_clock::now() < until) {
    step();
    ++n;
  }
  return n;
}

// A relaxed atomic store into guest memory (the other vCPU's plain stores, made visible
// to the sanitizers as the intended race they are).
template <typename T>
void guest_store(void* at, T v) {
  __atomic_store_n(static_cast<T*>(at), v, __ATOMIC_RELAXED);
}

}  // namespace vireo_fuzz
