#include "devices/net/e1000_filter.h"

#include "core/le_bytes.h"
#include "devices/net/e1000_regs.h"

namespace vireo {

using namespace e1000;

void E1000Filter::set_station(const uint8_t mac[6]) {
  ra_[0] = le32(mac);
  ra_[1] = le16(mac + 4) | kRahAv;
}

E1000Filter::Kind E1000Filter::kind(const uint8_t* dst) {
  bool all_ones = true;
  for (int i = 0; i < 6; ++i) all_ones = all_ones && dst[i] == 0xFF;
  if (all_ones) return Kind::kBroadcast;
  return (dst[0] & 1) ? Kind::kMulticast : Kind::kUnicast;
}

bool E1000Filter::accept(const uint8_t* dst, uint32_t rctl, int vlan) const {
  if (vlan >= 0 && (rctl & kRctlVfe) && !((vfta_[(vlan >> 5) & 0x7F] >> (vlan & 31)) & 1)) return false;
  Kind k = kind(dst);
  if (k == Kind::kBroadcast && (rctl & kRctlBam)) return true;
  if (k == Kind::kUnicast && (rctl & kRctlUpe)) return true;
  if (k != Kind::kUnicast && (rctl & kRctlMpe)) return true;
  uint32_t low = le32(dst);
  uint32_t high = le16(dst + 4);
  for (unsigned i = 0; i < kRaPairs; ++i) {
    uint32_t rah = ra_[2 * i + 1];
    // Address select (RAH 17:16) 00 = destination address; other selects match sources.
    if ((rah & kRahAv) && ((rah >> 16) & 3) == 0 && ra_[2 * i] == low && (rah & 0xFFFF) == high) return true;
  }
  if (k == Kind::kUnicast) return false;
  // Multicast hash: 12 bits of the destination's last two bytes, offset by RCTL.MO
  // (MO 0: bits 47:36, 1: 46:35, 2: 45:34, 3: 43:32; manual 13.4.22, Linux
  // e1000_hash_mc_addr).
  unsigned mo = (rctl >> kRctlMoShift) & 3;
  static const unsigned kShift[4] = {4, 3, 2, 0};
  uint32_t hash = ((uint32_t{dst[4]} >> kShift[mo]) | (uint32_t{dst[5]} << (8 - kShift[mo]))) & 0xFFF;
  return (mta_[hash >> 5] >> (hash & 31)) & 1;
}

}  // namespace vireo
