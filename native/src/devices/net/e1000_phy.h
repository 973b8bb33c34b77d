// The 82545EM's copper PHY, a Marvell 88E1011 at MDIO address 1, reached through MDIC
// (8254x manual 13.4.5; PHY registers in 13.5). Linux e1000 binds the 82545 only when
// PHY_ID1/PHY_ID2 read 0x0141/0x0C2x (M88E1011_I_PHY_ID in e1000_hw.h) and takes the
// link from PHY_STATUS; auto-negotiation completes at once while the cable is in.
#pragma once
#include <array>
#include <cstdint>

namespace vireo {

class E1000Phy {
 public:
  static constexpr unsigned kAddress = 1;
  // Standard MII registers and the M88 specific ones drivers touch.
  static constexpr unsigned kControl = 0, kStatus = 1, kId1 = 2, kId2 = 3, kAnAdvertise = 4,
                            kLinkPartner = 5, kAnExpansion = 6, kGigControl = 9, kGigStatus = 10,
                            kExtStatus = 15, kM88SpecControl = 16, kM88SpecStatus = 17,
                            kM88ExtSpecControl = 20, kM88RxErrors = 21;

  E1000Phy() { reset(false); }
  void reset(bool link);
  // The cable: link state shown in PHY_STATUS and the M88 specific status.
  void set_link(bool up);
  // An MDIC write: performs the read or write and returns MDIC as software then reads
  // it (READY set; ERROR for another PHY address or an unknown register).
  uint32_t mdic(uint32_t value);

 private:
  std::array<uint16_t, 32> regs_{};
  std::array<bool, 32> writable_{};
  bool link_ = false;
};

}  // namespace vireo
