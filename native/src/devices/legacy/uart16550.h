// Uart16550: a National Semiconductor PC16550D-compatible UART (COM1 is 0x3F8, IRQ 4 on
// PC wiring). Registers by offset from the base (PC16550D datasheet, table II):
//   0 RBR (read) / THR (write), DLL when LCR.DLAB   4 MCR
//   1 IER, DLM when LCR.DLAB                        5 LSR
//   2 IIR (read) / FCR (write)                      6 MSR
//   3 LCR                                           7 SCR
// The host side is two seams: a non-blocking ByteSink for transmitted bytes (with
// back-pressure: unaccepted bytes stay in the TX FIFO and LSR.THRE stays clear) and
// receive() for bytes typed by the user. The interrupt output is modelled as a level and
// handed to IrqLine::set_level() whenever it changes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "core/bus.h"
#include "core/irq.h"

namespace vireo {

// A host byte consumer (pty, log file, xterm bridge). write() never blocks: it returns
// how many bytes it took, possibly 0. It must not call back into the device that calls it.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual size_t write(const uint8_t* data, size_t len) = 0;
};

class Uart16550 : public PioDevice {
 public:
  static constexpr unsigned kFifoSize = 16;

  Uart16550(IrqLine& irq, ByteSink& sink);

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // Host thread: the sink became writable again; retries the bytes held in the TX FIFO.
  void tx_ready();
  // Host thread: queues received bytes; returns how many fit (stops when the RX FIFO is
  // full; the caller keeps the rest and retries after rx_space() or the rx-space callback).
  size_t receive(const uint8_t* data, size_t len);
  bool rx_space();
  // Called (outside the device lock, on the vCPU thread that read RBR) when the guest
  // frees room in a full RX FIFO. Must be cheap (e.g. write an eventfd). Set before boot.
  void set_rx_space_callback(std::function<void()> cb);

  // Bytes the guest wrote to THR while the TX FIFO was full (lost, as on hardware).
  uint64_t tx_dropped();

 private:
  uint8_t read_reg(unsigned reg);   // caller holds lock_
  void write_reg(unsigned reg, uint8_t value);
  void transmit(uint8_t value);
  void flush_tx();
  void push_rx(uint8_t value);      // loopback path: overrun when full
  unsigned rx_capacity() const;
  unsigned tx_capacity() const;
  uint8_t lsr() const;
  uint8_t msr();
  uint8_t iir_id() const;           // IIR bits 3:0 of the highest pending source
  void set_mcr(uint8_t value);
  void update_irq();

  IrqLine& irq_;
  ByteSink& sink_;
  std::function<void()> rx_space_cb_;

  std::mutex lock_;
  uint8_t rx_[kFifoSize] = {};
  unsigned rx_head_ = 0, rx_count_ = 0;
  uint8_t tx_[kFifoSize] = {};  // tx_[0] is the oldest byte
  unsigned tx_count_ = 0;
  uint8_t ier_ = 0, lcr_ = 0, mcr_ = 0, scr_ = 0, fcr_ = 0;
  uint8_t dll_ = 0x0C, dlm_ = 0;  // 9600 baud with the 1.8432 MHz clock
  uint8_t lsr_errors_ = 0;        // LSR bits 1..4 (OE, PE, FE, BI); read clears
  uint8_t msr_lines_ = 0;         // MSR bits 7..4 (DCD, RI, DSR, CTS)
  uint8_t msr_delta_ = 0;         // MSR bits 3..0 (DDCD, TERI, DDSR, DCTS); read clears
  bool thre_pending_ = false;     // THRE interrupt latched; IIR read or THR write clears
  bool irq_level_ = false;
  uint64_t tx_dropped_ = 0;
};

}  // namespace vireo
