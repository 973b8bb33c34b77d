// The rings of one vmxnet3 queue pair (revision 1): the TX descriptor ring and its
// completion ring, RX ring 0 and the RX completion ring, each owned by generation bits:
// a descriptor belongs to the device while its gen bit equals the ring's current
// generation, which flips at every wrap (Linux vmxnet3_defs.h, iPXE vmxnet3.c). The
// queue descriptors are read once at activation, ring sizes are checked (1..4096) and
// every descriptor is copied once before it is decoded; a pass over the TX ring stops
// after one lap. RX ring 1 (body buffers for frames larger than a head buffer) is not
// used: the MTU this NIC takes fits one head buffer; larger frames are dropped.
#pragma once
#include <cstdint>
#include <vector>

#include "core/guest_memory.h"
#include "devices/net/net_port.h"

namespace vireo {

struct Vmxnet3Ring {
  uint64_t pa = 0;
  uint32_t size = 0;
  uint32_t next = 0;
  bool gen = true;
  void advance() {
    if (++next == size) {
      next = 0;
      gen = !gen;
    }
  }
};

class Vmxnet3Queues {
 public:
  // From the TxQueueDesc and RxQueueDesc copies; false when a ring is unusable.
  bool configure(const uint8_t* tq, const uint8_t* rq);
  void clear() { *this = Vmxnet3Queues{}; }
  bool active() const { return active_; }
  unsigned tx_intr() const { return tx_intr_; }
  unsigned rx_intr() const { return rx_intr_; }

  // Sends every packet the driver has made ready; true when a completion was written.
  // Stops while the sink is full (`blocked`).
  bool transmit(const GuestMemory& mem, FrameSink& sink, bool* blocked);
  // Puts one frame into the next ring-0 buffer and writes its completion.
  NetPort::Rx receive(const uint8_t* frame, size_t len, const GuestMemory& mem, bool rx_csum);
  bool rx_has_buffer(const GuestMemory& mem) const;

  uint64_t tx_frames = 0, tx_bytes = 0, rx_frames = 0, rx_bytes = 0, rx_dropped = 0;

 private:
  void emit(std::vector<uint8_t>& frame, FrameSink& sink);
  bool finish_packet(FrameSink& sink, uint32_t dw3, uint32_t msscof);

  bool active_ = false;
  Vmxnet3Ring tx_, tx_comp_, rx_, rx_comp_;
  unsigned tx_intr_ = 0, rx_intr_ = 0;
  std::vector<uint8_t> packet_;
  bool in_packet_ = false, bad_ = false;
  uint32_t first_dw3_ = 0, first_msscof_ = 0;
};

}  // namespace vireo
