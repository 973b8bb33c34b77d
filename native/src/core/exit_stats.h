// ExitStats: per-vCPU exit counters, bumped on the vCPU thread with relaxed atomics and
// read by the host at any rate (cumulative; the reader computes rates). The vCPU
// thread counts, it never talks: no allocation, logging or JavaScript call per exit
// (docs/architecture.md, "Hot path").
#pragma once
#include <atomic>
#include <cstdint>

namespace vireo {

// Order is the wire order of the counters (electron/common/exitReasons.ts).
enum class ExitReason : unsigned {
  kIoIn = 0,
  kIoOut,
  kMmioRead,
  kMmioWrite,
  kHlt,
  kIrqWindow,
  kInterrupted,   // KVM_RUN returned EINTR / immediate_exit (kicks, signals)
  kShutdown,      // triple fault
  kSystemEvent,
  kFailEntry,
  kInternalError,
  kOther,
  kCount
};

inline const char* exit_reason_name(ExitReason r) {
  static const char* const kNames[] = {"io-in",      "io-out",      "mmio-read",  "mmio-write",
                                       "hlt",        "irq-window",  "interrupted", "shutdown",
                                       "system-event", "fail-entry", "internal-error", "other"};
  return kNames[static_cast<unsigned>(r)];
}

struct VcpuExitStats {
  std::atomic<uint64_t> exits[static_cast<unsigned>(ExitReason::kCount)] = {};
  void count(ExitReason r) {
    exits[static_cast<unsigned>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t get(ExitReason r) const {
    return exits[static_cast<unsigned>(r)].load(std::memory_order_relaxed);
  }
};

}  // namespace vireo
