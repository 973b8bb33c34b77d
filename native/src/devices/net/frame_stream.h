// FrameStream: the NIC's wire to a user-mode network stack over a connected UNIX stream
// socket, in the framing QEMU's `-netdev stream` and passt speak: each Ethernet frame
// (no FCS, no vnet header) preceded by its length as a 4-byte big-endian integer
// (QEMU net/stream.c; checked against Debian 12's passt, which answered framed DHCP
// requests). One I/O thread per NIC reads frames and hands them to the NIC
// (NetPort), writes what the NIC queued when the socket has room, and runs the NIC's
// timer. Frames never leave native code.
// Back-pressure both ways: a frame the NIC has no buffer for stays here (the socket is
// not read further) until FrameSink::rx_ready(); the transmit queue is bounded
// (can_send() false above kSoftLimit, then tx_ready() once drained below kResume).
// A peer that hangs up, or sends a length of 0 or above kMaxFrame, ends the connection
// and takes the link down; the thread keeps running the timer.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"
#include "devices/net/net_port.h"

namespace vireo {

class FrameStream : public FrameSink, public NetClock {
 public:
  static constexpr size_t kMaxFrame = 65535 + 18;     // an IPv4/IPv6 maximum with an Ethernet header and a tag
  static constexpr size_t kSoftLimit = 1u << 20;      // queued bytes before can_send() turns false
  static constexpr size_t kResume = 256u << 10;
  static constexpr size_t kHardLimit = 8u << 20;      // a frame beyond this is dropped

  FrameStream();
  ~FrameStream() override;
  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  // `fd`: a connected stream socket (owned from now on), or -1 for no cable.
  Status init(int fd);
  void start(NetPort* port);  // the link comes up if there is a socket
  void stop();
  // Parks the I/O thread (no NetPort calls until resume()); for a machine reset.
  void pause();
  void resume();

  // FrameSink (any thread, with the NIC's lock held).
  bool send_frame(const uint8_t* frame, size_t len) override;
  bool can_send() const override;
  void rx_ready() override;
  // NetClock.
  uint64_t now_ns() const override;
  void arm(uint64_t deadline_ns) override;

  uint64_t dropped_tx() const { return dropped_tx_.load(std::memory_order_relaxed); }

 private:
  void run();
  void wake();
  bool flush_locked();  // true when everything queued went out
  void read_socket();
  void deliver();
  void hang_up();

  int sock_ = -1, wake_fd_ = -1, timer_fd_ = -1;
  NetPort* port_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false}, rx_retry_{false};

  mutable std::mutex out_mu_;
  std::vector<uint8_t> out_;
  size_t out_off_ = 0;
  bool connected_ = false;
  mutable bool tx_waiting_ = false;  // can_send() said no: tx_ready() is owed

  // I/O thread only.
  std::vector<uint8_t> in_;
  size_t in_len_ = 0, in_off_ = 0;
  bool rx_stalled_ = false;

  std::mutex park_mu_;
  std::condition_variable park_cv_;
  bool pause_ = false, parked_ = false;

  std::atomic<uint64_t> dropped_tx_{0};
};

}  // namespace vireo
