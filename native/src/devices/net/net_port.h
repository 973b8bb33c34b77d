// The two sides of a virtual cable. A NIC model transmits through a FrameSink and is
// driven by its backend (the frame stream to passt) through NetPort: received frames,
// "you may transmit again", and the NIC's own timer (interrupt throttling). Every call
// into a NetPort comes from the backend's I/O thread; a NIC calls its FrameSink and
// NetClock from a vCPU thread or from inside a NetPort call, with its own lock held, so
// neither may call back into the NIC.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo {

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Queues one Ethernet frame (without FCS). False when the frame was dropped (the
  // link is down or the frame is too long for the wire format).
  virtual bool send_frame(const uint8_t* frame, size_t len) = 0;
  // False while the queue towards the peer is full: the NIC stops taking transmit
  // descriptors until NetPort::tx_ready().
  virtual bool can_send() const = 0;
  // The NIC has receive buffers again (the guest advanced its receive tail): a frame
  // the NIC refused is offered again.
  virtual void rx_ready() = 0;
};

// No cable: frames go nowhere and the transmit side never blocks. The sink of a NIC that
// was built without a backend.
inline FrameSink& unplugged_sink() {
  class Unplugged : public FrameSink {
   public:
    bool send_frame(const uint8_t*, size_t) override { return false; }
    bool can_send() const override { return true; }
    void rx_ready() override {}
  };
  static Unplugged sink;
  return sink;
}

class NetClock {
 public:
  virtual ~NetClock() = default;
  virtual uint64_t now_ns() const = 0;
  // NetPort::timer() is called once at or after `deadline_ns` (a later arm replaces an
  // earlier one; 0 cancels).
  virtual void arm(uint64_t deadline_ns) = 0;
};

// Per-NIC traffic counters (cumulative) for telemetry.
struct NicTraffic {
  uint64_t rx_frames = 0, rx_bytes = 0, tx_frames = 0, tx_bytes = 0;
};

class NetPort {
 public:
  enum class Rx { kTaken, kDropped, kNoBuffers };
  virtual ~NetPort() = default;
  // A frame from the wire (without FCS). kNoBuffers: the guest has no receive buffer
  // free; the backend keeps the frame and offers it again after FrameSink::rx_ready().
  virtual Rx receive(const uint8_t* frame, size_t len) = 0;
  virtual void tx_ready() = 0;
  virtual void timer() = 0;
  // The backend's link: the cable is plugged in and the peer is there (also the host's
  // cable toggle).
  virtual void set_link(bool up) = 0;
  // What the host shows about the adapter.
  virtual NicTraffic traffic() const = 0;
  virtual bool link() const = 0;
};

}  // namespace vireo
