#include "devices/net/e1000_stats.h"

namespace vireo {

namespace {
unsigned index_of(uint32_t offset) { return ((offset - 0x4000) >> 2) & 63; }
}  // namespace

void E1000Stats::add(uint32_t offset, uint32_t n) {
  uint32_t& r = regs_[index_of(offset)];
  r = r > UINT32_MAX - n ? UINT32_MAX : r + n;
}

void E1000Stats::add64(uint32_t low_offset, uint64_t n) {
  uint64_t v = (uint64_t{regs_[index_of(low_offset + 4)]} << 32 | regs_[index_of(low_offset)]) + n;
  regs_[index_of(low_offset)] = static_cast<uint32_t>(v);
  regs_[index_of(low_offset + 4)] = static_cast<uint32_t>(v >> 32);
}

// Size buckets PRC64..PRC1522 / PTC64..PTC1522: 64, 65-127, 128-255, 256-511, 512-1023,
// 1024 and more.
unsigned E1000Stats::size_bucket(uint32_t len) {
  if (len <= 64) return 0;
  unsigned b = 1;
  for (uint32_t limit = 128; b < 5 && len >= limit; limit <<= 1) ++b;
  return b;
}

void E1000Stats::received(uint32_t len, bool broadcast, bool multicast) {
  count(kGprc);
  count(kTpr);
  add64(kGorcl, len);
  add64(kTorl, len);
  if (broadcast) count(kBprc);
  else if (multicast) count(kMprc);
  count(kPrc64 + 4 * size_bucket(len));
}

void E1000Stats::transmitted(uint32_t len, bool broadcast, bool multicast) {
  count(kGptc);
  count(kTpt);
  add64(kGotcl, len);
  add64(kTotl, len);
  if (broadcast) count(kBptc);
  else if (multicast) count(kMptc);
  count(kPtc64 + 4 * size_bucket(len));
}

uint32_t E1000Stats::read(uint32_t offset) {
  unsigned i = index_of(offset & ~3u);
  uint32_t v = regs_[i];
  switch (offset & ~3u) {
    case kGorcl: case kGotcl: case kTorl: case kTotl:
      return v;  // the low half clears with the high half
    case kGorch: case kGotch: case kTorh: case kToth:
      regs_[i] = regs_[i - 1] = 0;
      return v;
    default:
      regs_[i] = 0;
      return v;
  }
}

}  // namespace vireo
