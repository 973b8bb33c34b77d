// SerialHost: the host end of one UART. Guest output goes into a non-blocking
// socketpair whose other end the VM host process reads as a stream; when the stream is
// not drained the socket fills, the UART keeps bytes in its TX FIFO and LSR.THRE stays
// clear, so back-pressure reaches the guest. Input typed on the host flows the other way
// into the RX FIFO as fast as the guest empties it. One poll thread per SerialHost.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/kvm.h"
#include "core/status.h"
#include "devices/legacy/uart16550.h"

namespace vireo {

class SerialHost : public ByteSink {
 public:
  SerialHost() = default;
  ~SerialHost() override;

  Status init();                 // creates the socketpair and the wake-up eventfd
  void start(Uart16550* uart);   // starts the poll thread
  void stop();
  // Hands the host end to the caller (it now owns and closes it); -1 after the first call.
  int take_host_fd();

  // ByteSink (called by the UART on a vCPU thread).
  size_t write(const uint8_t* data, size_t len) override;
  // Called by the UART when the guest freed RX FIFO room.
  void rx_space();

 private:
  void run();
  void wake();

  Fd guest_end_;
  Fd host_end_;
  Fd wake_fd_;
  Uart16550* uart_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> want_out_{false};  // the socket was full: poll for POLLOUT
  std::atomic<bool> host_closed_{false};
  std::vector<uint8_t> pending_rx_;    // read from the host, not yet taken by the UART
};

}  // namespace vireo
