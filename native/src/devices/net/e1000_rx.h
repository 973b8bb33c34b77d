// The 8254x receive path (manual 3.2): the descriptor ring RDBA/RDLEN/RDH/RDT in guest
// memory; buffers of RCTL.BSIZE/BSEX bytes; a frame spans as many descriptors as it
// needs (EOP on the last); the FCS is appended unless RCTL.SECRC strips it; VLAN tags are
// stripped into the descriptor's special field with CTRL.VME; IPv4 header and TCP/UDP
// checksums are verified with RXCSUM.IPOFL/TUOFL (status IPCS/TCPCS, errors IPE/TCPE;
// IXSM when nothing was checked). A frame goes in only when the ring has room for all
// of it; otherwise the caller keeps it (no drop, RNBC counts the wait). Each descriptor
// is read once; its writeback covers bytes 8-15 (length, checksum, status, errors,
// special) and never the buffer address.
#pragma once
#include <cstdint>
#include <vector>

#include "core/guest_memory.h"
#include "devices/net/e1000_filter.h"
#include "devices/net/e1000_stats.h"
#include "devices/net/net_port.h"

namespace vireo {

class E1000Rx {
 public:
  static constexpr size_t kMaxFrame = 16384;  // with RCTL.LPE (82545EM: 16 KiB jumbo)
  static constexpr size_t kMaxStandard = 1522; // 1518 + an 802.1Q tag, without LPE

  struct Ring {
    uint32_t bal = 0, bah = 0, len = 0, head = 0, tail = 0;
  };
  struct Config {
    uint32_t rctl = 0, rxcsum = 0;
    bool vlan = false;  // CTRL.VME
    uint16_t vet = 0x8100;
  };

  void reset() { ring_ = Ring{}; }
  Ring& ring() { return ring_; }
  bool has_buffers() const;
  NetPort::Rx receive(const uint8_t* data, size_t len, const GuestMemory& mem, const Config& cfg,
                      const E1000Filter& filter, E1000Stats& stats, uint32_t* causes);
  uint64_t frames() const { return frames_; }
  uint64_t bytes() const { return bytes_; }

 private:
  void checksum_offload(const Config& cfg, uint8_t* status, uint8_t* errors) const;
  uint32_t count() const { return ring_.len / 16; }

  Ring ring_;
  std::vector<uint8_t> frame_;  // the frame as the guest gets it (tag stripped, FCS added)
  uint64_t frames_ = 0, bytes_ = 0;
};

}  // namespace vireo
