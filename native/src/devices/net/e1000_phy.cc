#include "devices/net/e1000_phy.h"

#include "devices/net/e1000_regs.h"

namespace vireo {

using namespace e1000;

namespace {
// PHY_CONTROL (IEEE 802.3 22.2.4.1): reset 15, loopback 14, auto-negotiation enable 12,
// restart auto-negotiation 9 (self-clearing with reset), full duplex 8, speed 1000 (6).
constexpr uint16_t kCtlReset = 1 << 15, kCtlRestartAn = 1 << 9;
constexpr uint16_t kCtlDefault = 1 << 12 | 1 << 8 | 1 << 6;
// PHY_STATUS: 100BASE-TX/10BASE-T full and half duplex capable, extended status,
// preamble suppression, auto-negotiation able, extended capabilities; link status bit 2
// and auto-negotiation complete bit 5 follow the cable.
constexpr uint16_t kStatusBase = 0x7949, kStatusLink = 1 << 2, kStatusAnDone = 1 << 5;
// M88 PHY specific status: 1000 Mb/s (15:14 = 10), full duplex 13, speed/duplex resolved 11,
// link 10.
constexpr uint16_t kM88StatusUp = 2 << 14 | 1 << 13 | 1 << 11 | 1 << 10;
}  // namespace

void E1000Phy::reset(bool link) {
  regs_.fill(0);
  writable_.fill(false);
  regs_[kControl] = kCtlDefault;
  regs_[kId1] = 0x0141;
  regs_[kId2] = 0x0C20;
  regs_[kAnAdvertise] = 0x01E1 | 3 << 10;  // 10/100 half and full, pause, asymmetric pause
  regs_[kLinkPartner] = 0x01E1 | 1 << 14;  // same abilities, acknowledge
  regs_[kGigControl] = 0x0300;             // 1000BASE-T full and half advertised
  regs_[kExtStatus] = 0x3000;              // 1000BASE-T full and half capable
  regs_[kM88SpecControl] = 0x0360;
  regs_[kM88ExtSpecControl] = 0x0D60;
  for (unsigned r : {kControl, kAnAdvertise, kGigControl, kM88SpecControl, kM88ExtSpecControl, 7u, 29u, 30u})
    writable_[r] = true;
  set_link(link);
}

void E1000Phy::set_link(bool up) {
  link_ = up;
  regs_[kStatus] = kStatusBase | (up ? kStatusLink | kStatusAnDone : 0);
  regs_[kGigStatus] = up ? 0x3C00 : 0;  // link partner 1000BASE-T full/half, local and remote receivers OK
  regs_[kAnExpansion] = up ? 1 : 0;     // link partner auto-negotiation able
  regs_[kM88SpecStatus] = up ? kM88StatusUp : 0;
}

uint32_t E1000Phy::mdic(uint32_t v) {
  unsigned reg = (v >> 16) & 0x1F, phy = (v >> 21) & 0x1F;
  uint32_t op = v & (3u << 26);
  uint32_t out = (v & ~(kMdicReady | kMdicError)) | kMdicReady;
  if (phy != kAddress) return out | kMdicError;
  if (op == kMdicOpRead) {
    return (out & 0xFFFF0000u) | regs_[reg];
  }
  if (op == kMdicOpWrite) {
    if (!writable_[reg]) return out;  // read-only registers ignore writes
    uint16_t data = static_cast<uint16_t>(v);
    if (reg == kControl) {
      if (data & kCtlReset) {
        reset(link_);
        regs_[kControl] = static_cast<uint16_t>(data & ~(kCtlReset | kCtlRestartAn));
        return out;
      }
      data = static_cast<uint16_t>(data & ~kCtlRestartAn);  // negotiation completes at once
    }
    regs_[reg] = data;
  }
  return out;
}

}  // namespace vireo
