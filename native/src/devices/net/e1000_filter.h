// Receive address filtering of the 8254x (manual 3.2.1 and 13.4.50-13.4.52): 16 exact
// unicast/multicast addresses (RAL/RAH with Address Valid), a 4096-bit multicast hash
// table (MTA, hash bits chosen by RCTL.MO), broadcast accept (RCTL.BAM), unicast and
// multicast promiscuous modes (RCTL.UPE/MPE), and the VLAN filter table (VFTA, with
// RCTL.VFE) for tagged frames.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace vireo {

class E1000Filter {
 public:
  enum class Kind { kUnicast, kMulticast, kBroadcast };
  void reset() {
    ra_.fill(0);
    mta_.fill(0);
    vfta_.fill(0);
  }
  // Register access by index (RAL0, RAH0, RAL1, ...; MTA[n]; VFTA[n]).
  uint32_t& ra(unsigned index) { return ra_[index % ra_.size()]; }
  uint32_t& mta(unsigned index) { return mta_[index % mta_.size()]; }
  uint32_t& vfta(unsigned index) { return vfta_[index % vfta_.size()]; }
  // Receive address 0 as the MAC with Address Valid (what a reset loads from EEPROM).
  void set_station(const uint8_t mac[6]);

  static Kind kind(const uint8_t* dst);
  // Whether a frame with destination `dst` passes with this RCTL; `vlan` is the tag's
  // VLAN ID when the frame is tagged (and VLAN filtering applies), else -1.
  bool accept(const uint8_t* dst, uint32_t rctl, int vlan) const;

 private:
  std::array<uint32_t, 32> ra_{};
  std::array<uint32_t, 128> mta_{};
  std::array<uint32_t, 128> vfta_{};
};

}  // namespace vireo
