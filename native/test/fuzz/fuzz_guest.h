// What every device fuzz target (and race harness) shares: a guest memory with holes, a
// ROM and slot edges, a reader that turns the fuzzer's bytes into guest operations, a
// block backend that answers instantly, and a slot mapper for RAM-backed BARs.
//
// Guest-physical layout (FuzzMemory):
//   0x00000000-0x0009EFFF  RAM (low memory ends where a PC's EBDA would start)
//   0x0009F000-0x000BFFFF  hole
//   0x000C0000-0x000FFFFF  ROM: readable; device writes must fail (GuestMemory::write)
//   0x00100000-0x001FFFFF  RAM
//   0x00200000-0x002FFFFF  RAM, a separate region: 2 MiB is a slot edge, a DMA crossing
//                          it is refused by GuestMemory even though both sides are RAM
//   0x00300000-0x003FFFFF  hole
//   0x00400000-0x00400FFF  one page of RAM between holes
//   0x100000000-0x100001FFF  RAM above 4 GiB (64-bit DMA addresses)
// Input::gpa() maps 4 input bytes onto [0, 8 MiB) or [4 GiB - 4 MiB, 4 GiB + 4 MiB), so a
// fuzzer reaches every edge above with a handful of bits.
#pragma once
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "core/guest_memory.h"
#include "core/slot_mapper.h"
#include "devices/storage/block_backend.h"

namespace vireo_fuzz {

struct Area {
  uint64_t gpa, size;
  bool rom;
};
inline constexpr Area kAreas[] = {
    {0x00000000, 0x9F000, false},  {0x000C0000, 0x40000, true},   {0x00100000, 0x100000, false},
    {0x00200000, 0x100000, false}, {0x00400000, 0x1000, false},   {0x100000000, 0x2000, false},
};

// One GuestMemory for the whole process (mapping it per input costs more than the device
// work); clear() zeroes it between inputs by dropping the pages (MADV_DONTNEED on private
// anonymous memory reads back zeros).
class FuzzMemory {
 public:
  FuzzMemory() {
    for (const Area& a : kAreas)
      if (!mem_.add_region(a.gpa, a.size, a.rom).ok()) std::abort();
  }
  vireo::GuestMemory& mem() { return mem_; }
  void clear() {
    for (const vireo::MemoryRegion& r : mem_.regions()) madvise(r.host, r.size, MADV_DONTNEED);
  }
  // Puts bytes where the guest (RAM) or its firmware (ROM) would have them; bytes that
  // fall in a hole are dropped. data == nullptr fills with `value`.
  void poke(uint64_t gpa, const uint8_t* data, size_t n, uint8_t value = 0) {
    for (const vireo::MemoryRegion& r : mem_.regions()) {
      uint64_t lo = gpa > r.gpa ? gpa : r.gpa;
      uint64_t end = gpa + n < gpa ? ~0ull : gpa + n;  // saturates at the top of the space
      uint64_t hi = end < r.gpa + r.size ? end : r.gpa + r.size;
      if (lo >= hi) continue;
      if (data) std::memcpy(r.host + (lo - r.gpa), data + (lo - gpa), hi - lo);
      else std::memset(r.host + (lo - r.gpa), value, hi - lo);
    }
  }
  void fill(uint64_t gpa, uint8_t value, size_t n) { poke(gpa, nullptr, n, value); }
  void poke32(uint64_t gpa, uint32_t v) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    poke(gpa, b, 4);
  }
  void poke64(uint64_t gpa, uint64_t v) {
    poke32(gpa, uint32_t(v));
    poke32(gpa + 4, uint32_t(v >> 32));
  }

 private:
  vireo::GuestMemory mem_;
};

inline FuzzMemory& fuzz_memory() {
  static FuzzMemory m;
  return m;
}

// The fuzzer's bytes, read front to back; past the end every read is 0 and more() false.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool more() const { return i_ < n_; }
  uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
  uint16_t u16() { return uint16_t(u8() | u8() << 8); }
  uint32_t u32() { return u16() | uint32_t(u16()) << 16; }
  uint64_t u64() { return u32() | uint64_t(u32()) << 32; }
  // Up to `max` bytes in place (fewer at the end of the input).
  const uint8_t* bytes(size_t max, size_t* got) {
    size_t n = n_ - i_ < max ? n_ - i_ : max;
    const uint8_t* p = p_ + i_;
    i_ += n;
    *got = n;
    return p;
  }
  // A guest-physical address near the layout above (see the file comment).
  uint64_t gpa() {
    uint32_t v = u32();
    uint64_t low = v & 0x7FFFFF;
    return v >> 31 ? 0xFFC00000ull + low : low;
  }
  // 1, 2, 4 or 8 (the widths a bus access may have).
  unsigned width() { return 1u << (u8() & 3); }

 private:
  const uint8_t* p_;
  size_t n_, i_ = 0;
};

// Common op: guest-memory write of up to 255 bytes from the input at a fuzzed address.
inline void guest_write(Input& in, FuzzMemory& m) {
  uint64_t gpa = in.gpa();
  size_t n = in.u8(), got;
  const uint8_t* p = in.bytes(n, &got);
  m.poke(gpa, p, got);
}
// Common op: fill up to 64 KiB of guest memory with one byte (large structures cheaply).
inline void guest_fill(Input& in, FuzzMemory& m) {
  uint64_t gpa = in.gpa();
  size_t n = in.u16();
  m.fill(gpa, in.u8(), n);
}

// A block backend that answers at once from memory. A request outside the image aborts:
// devices must check every guest-supplied range before they call (block_backend.h), so
// reaching here out of range is a device bug the fuzzer should report. fail_after makes
// the n-th request from now fail (an I/O error from the image), 0 = never.
class FuzzDisk : public vireo::BlockBackend {
 public:
  FuzzDisk(uint64_t size, bool read_only) : data_(size), read_only_(read_only) {}
  uint64_t size_bytes() const override { return data_.size(); }
  bool read_only() const override { return read_only_; }
  vireo::Status read(uint64_t offset, uint8_t* buf, size_t len) override {
    check(offset, len);
    if (fault()) return io_error();
    std::memcpy(buf, data_.data() + offset, len);
    return vireo::Status::Ok();
  }
  vireo::Status write(uint64_t offset, const uint8_t* buf, size_t len) override {
    check(offset, len);
    if (read_only_) {  // devices refuse writes to read-only media before they get here
      std::fprintf(stderr, "FuzzDisk: write to a read-only image\n");
      std::abort();
    }
    if (fault()) return io_error();
    std::memcpy(data_.data() + offset, buf, len);
    return vireo::Status::Ok();
  }
  vireo::Status flush() override { return fault() ? io_error() : vireo::Status::Ok(); }
  void fail_after(unsigned n) { fail_after_ = n; }
  // Between inputs: zeroed, no fault pending (cheaper than a new image per input).
  void clear() {
    std::memset(data_.data(), 0, data_.size());
    fail_after_ = 0;
  }
  std::vector<uint8_t>& data() { return data_; }

 private:
  void check(uint64_t offset, size_t len) const {
    if (vireo::block_range_ok(data_.size(), offset, len)) return;
    std::fprintf(stderr, "FuzzDisk: request at %llu + %zu outside the %zu-byte image\n",
                 static_cast<unsigned long long>(offset), len, data_.size());
    std::abort();
  }
  bool fault() { return fail_after_ && --fail_after_ == 0; }
  static vireo::Status io_error() {
    return vireo::Status::Error(vireo::ErrorCode::kIo, "injected I/O error");
  }
  std::vector<uint8_t> data_;
  bool read_only_;
  unsigned fail_after_ = 0;
};

// RAM-backed BARs (SVGA VRAM/FIFO, ROMs, the VGA window): remembers where each slot is so
// the harness can write to it as the guest would, without KVM.
class FuzzSlots : public vireo::SlotMapper {
 public:
  struct Slot {
    uint8_t* host;
    uint64_t size, gpa;
    bool read_only;
  };
  vireo::Status map(uint8_t* host, uint64_t size, uint64_t gpa, bool ro, bool, int* slot) override {
    *slot = next_++;
    slots_[*slot] = {host, size, gpa, ro};
    return vireo::Status::Ok();
  }
  vireo::Status move(int slot, uint64_t gpa) override {
    auto it = slots_.find(slot);
    if (it == slots_.end()) std::abort();  // a device moved a slot it never mapped
    it->second.gpa = gpa;
    return vireo::Status::Ok();
  }
  void unmap(int slot) override { slots_.erase(slot); }
  vireo::Status take_dirty(int slot, std::vector<uint64_t>* bitmap) override {
    auto it = slots_.find(slot);
    if (it == slots_.end()) std::abort();
    bitmap->assign((it->second.size / 4096 + 63) / 64, ~0ull);  // every page dirty
    return vireo::Status::Ok();
  }
  // Guest write into whatever slot decodes at gpa (dropped when none does or it is ROM).
  void guest_write(uint64_t gpa, const uint8_t* data, size_t n) {
    for (auto& [id, s] : slots_)
      if (s.gpa && !s.read_only && gpa >= s.gpa && gpa - s.gpa < s.size) {
        size_t room = size_t(s.size - (gpa - s.gpa));
        std::memcpy(s.host + (gpa - s.gpa), data, n < room ? n : room);
        return;
      }
  }
  uint8_t* at(uint64_t gpa) {
    for (auto& [id, s] : slots_)
      if (s.gpa && gpa >= s.gpa && gpa - s.gpa < s.size) return s.host + (gpa - s.gpa);
    return nullptr;
  }

 private:
  std::map<int, Slot> slots_;
  int next_ = 1;
};

}  // namespace vireo_fuzz
