// The 8254x transmit path (manual 3.3-3.5): the descriptor ring TDBA/TDLEN/TDH/TDT in
// guest memory; legacy descriptors (with CSO/CSS checksum insertion), context
// descriptors (IPCSS/IPCSO/IPCSE, TUCSS/TUCSO/TUCSE, MSS, HDRLEN, PAYLEN, TUCMD) and data
// descriptors (POPTS IXSM/TXSM checksum insertion, TSE segmentation: Linux e1000's
// e1000_tso/e1000_tx_csum, Windows' NDIS LSO), VLAN tag insertion (CTRL.VME + VLE).
// Each descriptor is copied out of guest memory once and decoded from the copy; only
// its status byte is written back (DD, when RS asks for it). One call processes at most
// one lap of the ring (a hostile TDT or a ring of zero-length descriptors cannot loop;
// QEMU CVE-2021-20257), packets are bounded (kMaxPacket; TSO: kMaxTsoPacket) and a
// packet whose buffers lie outside guest RAM is dropped whole.
#pragma once
#include <cstdint>
#include <vector>

#include "core/guest_memory.h"
#include "devices/net/e1000_stats.h"
#include "devices/net/net_port.h"

namespace vireo {

class E1000Tx {
 public:
  static constexpr size_t kMaxPacket = 16384;        // largest frame the 82545EM sends (jumbo)
  static constexpr size_t kMaxTsoPacket = 256 * 1024; // header + payload of one TSO context

  struct Ring {
    uint32_t bal = 0, bah = 0, len = 0, head = 0, tail = 0;
  };
  struct Config {
    uint32_t tctl = 0;
    bool vlan = false;  // CTRL.VME
    uint16_t vet = 0x8100;
  };

  void reset();
  Ring& ring() { return ring_; }
  // Processes descriptors from TDH towards TDT; returns the interrupt causes (TXDW,
  // TXQE). Stops early while the sink is full (sets `blocked`).
  uint32_t process(const GuestMemory& mem, FrameSink& sink, const Config& cfg, E1000Stats& stats, bool* blocked);
  uint64_t frames() const { return frames_; }
  uint64_t bytes() const { return bytes_; }

 private:
  struct Offload {
    uint8_t ipcss = 0, ipcso = 0, tucss = 0, tucso = 0, tucmd = 0, hdr_len = 0;
    uint16_t ipcse = 0, tucse = 0, mss = 0;
    uint32_t paylen = 0;
  };
  void take_context(const uint8_t* d);
  void append(const GuestMemory& mem, uint64_t addr, uint32_t len);
  void end_packet(FrameSink& sink, const Config& cfg, E1000Stats& stats, uint8_t cmd, uint16_t special);
  void segment(FrameSink& sink, const Config& cfg, E1000Stats& stats, uint16_t special, bool vle);
  void emit(std::vector<uint8_t>& frame, FrameSink& sink, const Config& cfg, E1000Stats& stats, uint16_t special,
            bool vle);

  Ring ring_;
  Offload ctx_, tso_ctx_;
  // The packet being gathered.
  std::vector<uint8_t> packet_;
  bool in_packet_ = false, bad_ = false, tse_ = false, legacy_ = false;
  uint8_t popts_ = 0, legacy_cso_ = 0, legacy_css_ = 0;
  uint64_t frames_ = 0, bytes_ = 0;
};

}  // namespace vireo
