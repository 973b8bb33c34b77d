// PioBus / MmioBus: address-range maps from guest I/O to devices. Ranges are added at
// machine build time and may be moved later (PCI BAR programming), so lookups take a
// shared lock and changes an exclusive one. Each range counts its own hits (relaxed
// atomics) so the host can show the busiest ports and MMIO regions.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/vcpu_context.h"

namespace vireo {

// Handlers receive the absolute address of the access; `size` is 1, 2, 4 or 8.
// On a read the handler fills data[0..size); bytes it leaves alone read as 0xFF.
class PioDevice {
 public:
  virtual ~PioDevice() = default;
  virtual void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) = 0;
  virtual void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) = 0;
};

class MmioDevice {
 public:
  virtual ~MmioDevice() = default;
  virtual void mmio_read(uint64_t addr, uint8_t* data, unsigned size, VcpuContext& vcpu) = 0;
  virtual void mmio_write(uint64_t addr, const uint8_t* data, unsigned size, VcpuContext& vcpu) = 0;
};

struct BusRangeStats {
  std::string name;
  uint64_t base = 0;
  uint64_t length = 0;
  uint64_t hits = 0;
};

template <typename Device>
class Bus {
 public:
  // Fails when [base, base+length) overlaps a registered range or length is 0.
  Status add(uint64_t base, uint64_t length, Device* device, std::string name);
  // Moves the range registered for `device` under `name` (PCI BAR reprogramming). To
  // stop decoding a range, remove() it and add() it again later.
  Status move(Device* device, const std::string& name, uint64_t new_base);
  void remove(Device* device);

  // Dispatches one access. Returns false when no device claims the address (the
  // caller counts it as unhandled; a read then yields all-ones).
  bool read(uint64_t addr, uint8_t* data, unsigned size, VcpuContext& vcpu);
  bool write(uint64_t addr, const uint8_t* data, unsigned size, VcpuContext& vcpu);

  // Snapshot of every range with its cumulative hit count.
  std::vector<BusRangeStats> stats() const;
  uint64_t unhandled() const { return unhandled_.load(std::memory_order_relaxed); }

 private:
  struct Range {
    uint64_t base;
    uint64_t length;
    Device* device;
    std::string name;
    std::unique_ptr<std::atomic<uint64_t>> hits;
  };
  const Range* find(uint64_t addr) const;  // caller holds lock_
  Device* claim(uint64_t addr);             // find + count, under the lock

  mutable std::shared_mutex lock_;
  std::vector<Range> ranges_;  // sorted by base, non-overlapping
  std::atomic<uint64_t> unhandled_{0};
};

class PioBus : public Bus<PioDevice> {};
class MmioBus : public Bus<MmioDevice> {};

}  // namespace vireo
