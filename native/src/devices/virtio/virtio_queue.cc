#include "devices/virtio/virtio_queue.h"

#include <atomic>

#include "core/le_bytes.h"

namespace vireo {

namespace {
bool read16(const GuestMemory& mem, uint64_t gpa, uint16_t* v) {
  uint8_t b[2];
  if (!mem.read(gpa, b, 2)) return false;
  *v = le16(b);
  return true;
}

// Walks `segs` from byte `offset` for `len` bytes, calling fn(gpa, host_offset, n).
template <typename Fn>
bool for_range(const std::vector<VirtSegment>& segs, uint64_t total, uint64_t offset, uint64_t len,
               Fn fn) {
  if (offset > total || len > total - offset) return false;
  uint64_t done = 0;
  for (const VirtSegment& s : segs) {
    if (done == len) break;
    if (offset >= s.len) {
      offset -= s.len;
      continue;
    }
    uint64_t n = s.len - offset;
    if (n > len - done) n = len - done;
    if (!fn(s.addr + offset, done, n)) return false;
    done += n;
    offset = 0;
  }
  return done == len;
}
}  // namespace

bool VirtChain::read(const GuestMemory& mem, uint64_t offset, void* dst, uint64_t len) const {
  uint8_t* out = static_cast<uint8_t*>(dst);
  return for_range(readable, readable_bytes, offset, len,
                   [&](uint64_t gpa, uint64_t at, uint64_t n) { return mem.read(gpa, out + at, n); });
}

bool VirtChain::write(const GuestMemory& mem, uint64_t offset, const void* src, uint64_t len) const {
  const uint8_t* in = static_cast<const uint8_t*>(src);
  return for_range(writable, writable_bytes, offset, len,
                   [&](uint64_t gpa, uint64_t at, uint64_t n) { return mem.write(gpa, in + at, n); });
}

bool VirtQueue::set_size(uint16_t size) {
  if (enabled_ || !size || size > max_size_ || (size & (size - 1))) return false;
  size_ = size;
  return true;
}

bool VirtQueue::enable() {
  if ((desc & 15) || (avail & 1) || (used & 3)) return false;
  enabled_ = true;
  return true;
}

void VirtQueue::reset() {
  size_ = max_size_;
  desc = avail = used = 0;
  enabled_ = broken_ = false;
  last_avail_ = used_idx_ = 0;
}

bool VirtQueue::pop(const GuestMemory& mem, VirtChain* chain) {
  if (!enabled_ || broken_) return false;
  uint16_t avail_idx;
  if (!read16(mem, avail + 2, &avail_idx)) {
    broken_ = true;
    return false;
  }
  uint16_t pending = static_cast<uint16_t>(avail_idx - last_avail_);
  if (!pending) return false;
  if (pending > size_) {  // the driver claims more entries than the ring holds
    broken_ = true;
    return false;
  }
  std::atomic_thread_fence(std::memory_order_acquire);  // ring entries after the index
  uint16_t head;
  if (!read16(mem, avail + 4 + 2ull * (last_avail_ % size_), &head) || !walk(mem, head, chain)) {
    broken_ = true;
    return false;
  }
  ++last_avail_;
  return true;
}

bool VirtQueue::walk(const GuestMemory& mem, uint16_t head, VirtChain* chain) {
  *chain = VirtChain{};
  chain->head = head;
  uint16_t idx = head;
  uint64_t total = 0;
  for (unsigned n = 0;; ++n) {
    if (idx >= size_ || n >= size_) return false;  // bad index, or a chain longer than the ring: a loop
    uint8_t d[16];
    if (!mem.read(desc + 16ull * idx, d, sizeof d)) return false;
    uint64_t addr = le_load(d, 8);
    uint32_t len = static_cast<uint32_t>(le_load(d + 8, 4));
    uint16_t flags = static_cast<uint16_t>(le_load(d + 12, 2));
    uint16_t next = static_cast<uint16_t>(le_load(d + 14, 2));
    if (flags & kDescIndirect) return false;
    total += len;
    if (total > kMaxChainBytes) return false;
    if (flags & kDescWrite) {
      chain->writable.push_back({addr, len});
      chain->writable_bytes += len;
    } else {
      if (!chain->writable.empty()) return false;  // readable after writable
      chain->readable.push_back({addr, len});
      chain->readable_bytes += len;
    }
    if (!(flags & kDescNext)) return true;
    idx = next;
  }
}

bool VirtQueue::push_used(const GuestMemory& mem, uint16_t head, uint32_t len) {
  if (!enabled_ || broken_) return false;
  uint8_t elem[8];
  le_store(elem, head, 4);
  le_store(elem + 4, len, 4);
  if (!mem.write(used + 4 + 8ull * (used_idx_ % size_), elem, sizeof elem)) {
    broken_ = true;
    return false;
  }
  std::atomic_thread_fence(std::memory_order_release);  // the element before the index
  ++used_idx_;
  uint8_t idx[2];
  le_store(idx, used_idx_, 2);
  if (!mem.write(used + 2, idx, 2)) {
    broken_ = true;
    return false;
  }
  return true;
}

bool VirtQueue::interrupt_suppressed(const GuestMemory& mem) const {
  uint16_t flags;
  return read16(mem, avail, &flags) && (flags & kAvailNoInterrupt);
}

}  // namespace vireo
