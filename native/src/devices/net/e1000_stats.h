// The 8254x statistics registers, 0x4000-0x40FF (manual 13.7): 32-bit counters that
// saturate and clear when read; 64-bit octet counters as low/high pairs, both cleared
// when the high half is read. Only events this model can have are counted (no CRC,
// alignment, collision or flow-control events exist on a virtual wire), so those read 0.
#pragma once
#include <array>
#include <cstdint>

namespace vireo {

class E1000Stats {
 public:
  // Register offsets (13.7.x).
  static constexpr uint32_t kMpc = 0x4010, kPrc64 = 0x405C, kGprc = 0x4074, kBprc = 0x4078, kMprc = 0x407C,
                            kGptc = 0x4080, kGorcl = 0x4088, kGorch = 0x408C, kGotcl = 0x4090, kGotch = 0x4094,
                            kRnbc = 0x40A0, kRuc = 0x40A4, kRoc = 0x40AC, kTorl = 0x40C0, kTorh = 0x40C4,
                            kTotl = 0x40C8, kToth = 0x40CC, kTpr = 0x40D0, kTpt = 0x40D4, kPtc64 = 0x40D8,
                            kMptc = 0x40F0, kBptc = 0x40F4, kTsctc = 0x40F8;

  void reset() { regs_.fill(0); }
  // A good frame of `len` bytes (FCS included) received or transmitted.
  void received(uint32_t len, bool broadcast, bool multicast);
  void transmitted(uint32_t len, bool broadcast, bool multicast);
  void count(uint32_t offset) { add(offset, 1); }
  uint32_t read(uint32_t offset);  // clear-on-read semantics

 private:
  void add(uint32_t offset, uint32_t n);
  void add64(uint32_t low_offset, uint64_t n);
  static unsigned size_bucket(uint32_t len);  // 64, 65-127, ..., 1024-max
  std::array<uint32_t, 64> regs_{};
};

}  // namespace vireo
