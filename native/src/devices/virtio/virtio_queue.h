// VirtQueue: one split virtqueue (virtio 1.0, section 2.4) in guest memory, as seen by
// the device. Everything the driver controls is checked:
//   - ring and table addresses must be aligned (descriptor 16, available 2, used 4) and
//     every access goes through GuestMemory, which refuses bytes outside guest RAM;
//   - the available index may run ahead of the device by at most the queue size;
//   - head and next indices must be below the queue size, a chain may not hold more
//     descriptors than the queue (which is also how loops are caught), device-readable
//     descriptors must come before device-writable ones, INDIRECT is refused (the
//     feature is not offered), and the bytes of one chain are limited (kMaxChainBytes).
// A violation makes the queue "broken": nothing more is taken from it until reset, and
// the transport reports DEVICE_NEEDS_RESET (virtio 1.0 2.1.2).
#pragma once
#include <cstdint>
#include <vector>

#include "core/guest_memory.h"

namespace vireo {

struct VirtSegment {
  uint64_t addr;
  uint32_t len;
};

// One descriptor chain taken from the available ring.
struct VirtChain {
  uint16_t head = 0;
  std::vector<VirtSegment> readable, writable;
  uint64_t readable_bytes = 0, writable_bytes = 0;

  // Copies out of the device-readable part / into the device-writable part, at a byte
  // offset inside that part (the chain's framing is not assumed). False when the range
  // is not entirely inside the part or a guest address is refused.
  bool read(const GuestMemory& mem, uint64_t offset, void* dst, uint64_t len) const;
  bool write(const GuestMemory& mem, uint64_t offset, const void* src, uint64_t len) const;
};

class VirtQueue {
 public:
  static constexpr uint16_t kDescNext = 1, kDescWrite = 2, kDescIndirect = 4;
  static constexpr uint16_t kAvailNoInterrupt = 1;
  static constexpr uint64_t kMaxChainBytes = 64ull << 20;

  explicit VirtQueue(uint16_t max_size) : max_size_(max_size), size_(max_size) {}

  // Driver-side configuration (common config registers).
  uint16_t max_size() const { return max_size_; }
  uint16_t size() const { return size_; }
  bool set_size(uint16_t size);  // power of two in [1, max_size]; only while disabled
  uint64_t desc = 0, avail = 0, used = 0;
  bool enabled() const { return enabled_; }
  bool enable();  // false (stays disabled) when an address is misaligned
  void reset();

  bool broken() const { return broken_; }
  // Takes the next available chain. False when there is none or the queue broke.
  bool pop(const GuestMemory& mem, VirtChain* chain);
  // Returns a chain to the driver with `len` bytes written into its writable part.
  bool push_used(const GuestMemory& mem, uint16_t head, uint32_t len);
  // The driver's VIRTQ_AVAIL_F_NO_INTERRUPT hint.
  bool interrupt_suppressed(const GuestMemory& mem) const;

 private:
  bool walk(const GuestMemory& mem, uint16_t head, VirtChain* chain);

  const uint16_t max_size_;
  uint16_t size_;
  bool enabled_ = false;
  bool broken_ = false;
  uint16_t last_avail_ = 0;  // next available-ring slot the device reads
  uint16_t used_idx_ = 0;
};

}  // namespace vireo
