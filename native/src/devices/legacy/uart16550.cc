#include "devices/legacy/uart16550.h"

#include <cstring>

namespace vireo {

namespace {
// Register offsets (PC16550D table II).
constexpr unsigned kRbrThr = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6,
                   kScr = 7;
constexpr uint8_t kLcrDlab = 0x80;
constexpr uint8_t kIerRx = 0x01, kIerThre = 0x02, kIerLine = 0x04, kIerModem = 0x08;
constexpr uint8_t kFcrEnable = 0x01, kFcrRxReset = 0x02, kFcrTxReset = 0x04;
constexpr uint8_t kLsrDr = 0x01, kLsrOe = 0x02, kLsrThre = 0x20, kLsrTemt = 0x40;
constexpr uint8_t kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08,
                  kMcrLoop = 0x10;
constexpr uint8_t kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;
// Outside loopback the host end is "connected": CTS, DSR and DCD asserted.
constexpr uint8_t kMsrConnected = kMsrCts | kMsrDsr | kMsrDcd;
// IIR bits 3..0, by priority (PC16550D table IV).
constexpr uint8_t kIirNone = 0x01, kIirLine = 0x06, kIirRxData = 0x04, kIirRxTimeout = 0x0C,
                  kIirThre = 0x02, kIirModem = 0x00;
constexpr uint8_t kIirFifoBits = 0xC0;  // IIR bits 7..6 set while FCR0 = 1
constexpr unsigned kRxTrigger[4] = {1, 4, 8, 14};  // FCR bits 7..6
}  // namespace

Uart16550::Uart16550(IrqLine& irq, ByteSink& sink)
    : irq_(irq), sink_(sink), msr_lines_(kMsrConnected) {}

void Uart16550::set_rx_space_callback(std::function<void()> cb) {
  std::lock_guard guard(lock_);
  rx_space_cb_ = std::move(cb);
}

unsigned Uart16550::rx_capacity() const { return (fcr_ & kFcrEnable) ? kFifoSize : 1; }
unsigned Uart16550::tx_capacity() const { return (fcr_ & kFcrEnable) ? kFifoSize : 1; }

bool Uart16550::rx_space() {
  std::lock_guard guard(lock_);
  // In loopback the serial input is disconnected (PC16550D MCR bit 4).
  return !(mcr_ & kMcrLoop) && rx_count_ < rx_capacity();
}

void Uart16550::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext&) {
  bool notify = false;
  {
    std::lock_guard guard(lock_);
    bool was_full = (mcr_ & kMcrLoop) || rx_count_ >= rx_capacity();
    // A wider access is split into byte accesses, as the ISA bus does.
    for (unsigned i = 0; i < size && (port & 7u) + i < 8; ++i) data[i] = read_reg((port + i) & 7u);
    update_irq();
    notify = was_full && !(mcr_ & kMcrLoop) && rx_count_ < rx_capacity() && rx_space_cb_;
  }
  if (notify) rx_space_cb_();
}

void Uart16550::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext&) {
  bool notify = false;
  {
    std::lock_guard guard(lock_);
    bool was_full = (mcr_ & kMcrLoop) || rx_count_ >= rx_capacity();
    for (unsigned i = 0; i < size && (port & 7u) + i < 8; ++i) write_reg((port + i) & 7u, data[i]);
    update_irq();
    notify = was_full && !(mcr_ & kMcrLoop) && rx_count_ < rx_capacity() && rx_space_cb_;
  }
  if (notify) rx_space_cb_();
}

uint8_t Uart16550::read_reg(unsigned reg) {
  switch (reg) {
    case kRbrThr: {
      if (lcr_ & kLcrDlab) return dll_;
      if (rx_count_ == 0) return 0;
      uint8_t v = rx_[rx_head_];
      rx_head_ = (rx_head_ + 1) % kFifoSize;
      --rx_count_;
      return v;
    }
    case kIer:
      return (lcr_ & kLcrDlab) ? dlm_ : ier_;
    case kIirFcr: {
      uint8_t id = iir_id();
      // Reading IIR while it reports THRE clears that interrupt (PC16550D table IV).
      if (id == kIirThre) thre_pending_ = false;
      return id | ((fcr_ & kFcrEnable) ? kIirFifoBits : 0);
    }
    case kLcr:
      return lcr_;
    case kMcr:
      return mcr_;
    case kLsr: {
      uint8_t v = lsr();
      lsr_errors_ = 0;  // OE/PE/FE/BI clear on LSR read
      return v;
    }
    case kMsr:
      return msr();
    default:
      return scr_;
  }
}

void Uart16550::write_reg(unsigned reg, uint8_t value) {
  switch (reg) {
    case kRbrThr:
      if (lcr_ & kLcrDlab) {
        dll_ = value;
      } else {
        thre_pending_ = false;  // a THR write clears the THRE interrupt
        update_irq();           // so a THRE raised again below is a fresh edge
        transmit(value);
      }
      break;
    case kIer:
      if (lcr_ & kLcrDlab) {
        dlm_ = value;
      } else {
        uint8_t old = ier_;
        ier_ = value & 0x0F;
        // Enabling the THRE interrupt while the transmitter is empty raises it at once.
        if ((ier_ & kIerThre) && !(old & kIerThre) && tx_count_ == 0) thre_pending_ = true;
      }
      break;
    case kIirFcr: {
      // FCR: bit 0 enables the FIFOs (other bits are ignored while it is 0); changing it
      // clears both FIFOs; bits 1/2 clear RX/TX; bits 7..6 the RX trigger level.
      bool enable = (value & kFcrEnable) != 0;
      uint8_t next = enable ? (value & 0xC9) : 0;
      bool toggled = ((next ^ fcr_) & kFcrEnable) != 0;
      fcr_ = next;
      if (toggled || (enable && (value & kFcrRxReset))) rx_head_ = rx_count_ = 0;
      if (toggled || (enable && (value & kFcrTxReset))) {
        if (tx_count_ != 0) thre_pending_ = true;  // the transmitter is now empty
        tx_count_ = 0;
      }
      break;
    }
    case kLcr:
      lcr_ = value;
      break;
    case kMcr:
      set_mcr(value);
      break;
    case kLsr:
    case kMsr:
      break;  // read-only on the 16550A (factory test use only)
    default:
      scr_ = value;
      break;
  }
}

void Uart16550::transmit(uint8_t value) {
  if (mcr_ & kMcrLoop) {
    // Loopback: the transmitter output feeds the receiver; the sink sees nothing.
    push_rx(value);
    thre_pending_ = true;
    return;
  }
  if (tx_count_ >= tx_capacity()) {
    ++tx_dropped_;  // the guest ignored LSR.THRE; the byte is lost as on hardware
    return;
  }
  tx_[tx_count_++] = value;
  flush_tx();
}

void Uart16550::flush_tx() {
  if (tx_count_ == 0) return;
  size_t n = sink_.write(tx_, tx_count_);
  if (n > tx_count_) n = tx_count_;
  std::memmove(tx_, tx_ + n, tx_count_ - n);
  tx_count_ -= static_cast<unsigned>(n);
  if (n != 0 && tx_count_ == 0) thre_pending_ = true;
}

void Uart16550::push_rx(uint8_t value) {
  if (rx_count_ >= rx_capacity()) {
    lsr_errors_ |= kLsrOe;  // overrun: the new character is lost, the FIFO kept
    return;
  }
  rx_[(rx_head_ + rx_count_) % kFifoSize] = value;
  ++rx_count_;
}

uint8_t Uart16550::lsr() const {
  uint8_t v = lsr_errors_;
  if (rx_count_) v |= kLsrDr;
  // THRE: THR/TX FIFO empty; TEMT: that and the shift register empty. Bytes the sink
  // refused are still "in the transmitter", so both stay clear until they drain.
  if (tx_count_ == 0) v |= kLsrThre | kLsrTemt;
  return v;
}

uint8_t Uart16550::msr() {
  uint8_t v = msr_lines_ | msr_delta_;
  msr_delta_ = 0;
  return v;
}

void Uart16550::set_mcr(uint8_t value) {
  mcr_ = value & 0x1F;
  uint8_t lines = kMsrConnected;
  if (mcr_ & kMcrLoop) {
    // Loopback wiring (PC16550D MCR bit 4): RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
    lines = 0;
    if (mcr_ & kMcrRts) lines |= kMsrCts;
    if (mcr_ & kMcrDtr) lines |= kMsrDsr;
    if (mcr_ & kMcrOut1) lines |= kMsrRi;
    if (mcr_ & kMcrOut2) lines |= kMsrDcd;
  }
  uint8_t changed = lines ^ msr_lines_;
  if (changed & kMsrCts) msr_delta_ |= 0x01;                       // DCTS
  if (changed & kMsrDsr) msr_delta_ |= 0x02;                       // DDSR
  if ((msr_lines_ & kMsrRi) && !(lines & kMsrRi)) msr_delta_ |= 0x04;  // TERI
  if (changed & kMsrDcd) msr_delta_ |= 0x08;                       // DDCD
  msr_lines_ = lines;
}

uint8_t Uart16550::iir_id() const {
  if ((ier_ & kIerLine) && lsr_errors_) return kIirLine;
  if ((ier_ & kIerRx) && rx_count_) {
    // The character timeout (IIR 0xC) fires on hardware 4 character times after the last
    // byte when the FIFO is below its trigger level. The host hands over whole chunks, so
    // once receive() returns nothing more is "arriving": report the timeout at once.
    bool below = (fcr_ & kFcrEnable) && rx_count_ < kRxTrigger[fcr_ >> 6];
    return below ? kIirRxTimeout : kIirRxData;
  }
  if ((ier_ & kIerThre) && thre_pending_) return kIirThre;
  if ((ier_ & kIerModem) && msr_delta_) return kIirModem;
  return kIirNone;
}

void Uart16550::update_irq() {
  bool level = iir_id() != kIirNone;
  if (level == irq_level_) return;
  irq_level_ = level;
  irq_.set_level(level);
}

void Uart16550::tx_ready() {
  std::lock_guard guard(lock_);
  flush_tx();
  update_irq();
}

size_t Uart16550::receive(const uint8_t* data, size_t len) {
  std::lock_guard guard(lock_);
  if (mcr_ & kMcrLoop) return 0;
  size_t n = 0;
  while (n < len && rx_count_ < rx_capacity()) {
    rx_[(rx_head_ + rx_count_) % kFifoSize] = data[n++];
    ++rx_count_;
  }
  update_irq();
  return n;
}

uint64_t Uart16550::tx_dropped() {
  std::lock_guard guard(lock_);
  return tx_dropped_;
}

}  // namespace vireo
