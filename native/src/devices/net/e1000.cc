// E1000 register decoding, reset and the glue between rings, interrupts and the wire.
#include "devices/net/e1000.h"

#include <cstring>

#include "core/le_bytes.h"
#include "devices/net/e1000_regs.h"

namespace vireo {

using namespace e1000;

namespace {

// Registers that hold what software writes and nothing more (flow control, inter-packet
// gap, LEDs, packet buffer split, descriptor control, the delay timers this model does
// not run, wake-up and manageability), with their reset values (8254x manual 13.4).
struct PlainReg {
  uint32_t offset, reset, mask;
};
constexpr PlainReg kPlain[] = {
    {kCtrlExt, 0, 0xFFFFFFFF}, {kFcal, 0, 0xFFFFFFFF}, {kFcah, 0, 0xFFFF}, {kFct, 0, 0xFFFF},
    {kFcttv, 0, 0xFFFF},       {kTxcw, 0, 0xFFFFFFFF}, {kRxcw, 0, 0},      {kTipg, 0, 0x3FFFFFFF},
    {kLedctl, 0x07068302, 0xFFFFFFFF}, {kPba, 0x00100030, 0xFFFF},      {kFcrtl, 0, 0x8000FFF8},
    {kFcrth, 0, 0xFFF8},       {kRdtr, 0, 0x8000FFFF}, {kRxdctl, 0, 0xFFFFFFFF}, {kRadv, 0, 0xFFFF},
    {kRsrpd, 0, 0xFFF},        {kTxdmac, 0, 1},        {kTidv, 0, 0xFFFF}, {kTxdctl, 0, 0xFFFFFFFF},
    {kTadv, 0, 0xFFFF},        {kTspmt, 0x01000400, 0xFFFFFFFF}, {kWuc, 0, 0xF}, {kWufc, 0, 0xFFFFFFFF},
    {kWus, 0, 0},              {kManc, 0, 0xFFFFFFFF}, {kIpav, 0, 0xFFFFFFFF},
};

}  // namespace

E1000::E1000(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line, const GuestMemory& mem,
             const E1000Identity& id, FrameSink* sink, NetClock& clock)
    : PciDevice(std::move(name), res, id.vendor, id.device, kClassCode, 0x01),
      mem_(mem),
      id_(id),
      sink_(sink ? sink : &unplugged_sink()),
      eeprom_(id),
      irqs_(irq, clock) {
  add_mmio_bar(0, kBarSize, false, this);
  add_io_bar(1, kIoBarSize, this);
  set_subsystem(id.subsystem_vendor, id.subsystem);
  config_write(kInterruptLine, 1, irq_line);
  set_interrupt_pin(1);
  std::lock_guard guard(mu_);
  phy_.reset(false);
  mac_reset_locked();
}

void E1000::reset() {
  std::lock_guard guard(mu_);
  phy_.reset(link_);
  io_addr_ = 0;
  mac_reset_locked();
}

// CTRL.RST and power-on (manual 14.9): every MAC register to its default, receive
// address 0 reloaded from the EEPROM with Address Valid; PCI config space and the PHY
// are untouched.
void E1000::mac_reset_locked() {
  ctrl_ = kCtrlFd | kCtrlAsde | kCtrlSlu | kCtrlSpeed1000;
  rctl_ = tctl_ = rxcsum_ = mdic_ = 0;
  vet_ = 0x8100;
  tx_blocked_ = false;
  plain_.clear();
  for (const PlainReg& r : kPlain) plain_[r.offset] = r.reset;
  eeprom_.reset();
  filter_.reset();
  filter_.set_station(id_.mac.data());
  stats_.reset();
  tx_.reset();
  rx_.reset();
  irqs_.reset();
}

NicTraffic E1000::traffic() const {
  std::lock_guard guard(mu_);
  return {rx_.frames(), rx_.bytes(), tx_.frames(), tx_.bytes()};
}

bool E1000::link() const {
  std::lock_guard guard(mu_);
  return link_;
}

bool E1000::bus_master() { return config_read(kCommand, 2) & kCmdBusMaster; }

uint32_t E1000::status_locked() const {
  return kStatusFd | kStatusSpeed1000 | kStatusAsdv1000 | (link_ ? kStatusLu : 0);
}

uint32_t E1000::read_register(uint32_t offset) {
  std::lock_guard guard(mu_);
  return read_locked(offset & (kBarSize - 4));
}

void E1000::write_register(uint32_t offset, uint32_t value) {
  std::lock_guard guard(mu_);
  write_locked(offset & (kBarSize - 4), value);
}

uint32_t E1000::read_locked(uint32_t off) {
  switch (off) {
    case kCtrl: return ctrl_;
    case e1000::kStatus: return status_locked();  // not PciDevice::kStatus
    case kEecd: return eeprom_.read_eecd();
    case kEerd: return eeprom_.read_eerd();
    case kMdic: return mdic_;
    case kVet: return vet_;
    case kIcr: return irqs_.read_and_clear();
    case kIcs: return irqs_.causes();
    case kIms: return irqs_.mask();
    case kItr: return irqs_.itr();
    case kRctl: return rctl_;
    case kTctl: return tctl_;
    case kRxcsum: return rxcsum_;
    case kRdbal: return rx_.ring().bal;
    case kRdbah: return rx_.ring().bah;
    case kRdlen: return rx_.ring().len;
    case kRdh: return rx_.ring().head;
    case kRdt: return rx_.ring().tail;
    case kTdbal: return tx_.ring().bal;
    case kTdbah: return tx_.ring().bah;
    case kTdlen: return tx_.ring().len;
    case kTdh: return tx_.ring().head;
    case kTdt: return tx_.ring().tail;
    default: break;
  }
  if (off >= kStatsBase && off < kStatsEnd) return stats_.read(off);
  if (off >= kMta && off < kMta + 4 * kMtaWords) return filter_.mta((off - kMta) / 4);
  if (off >= kRa && off < kRa + 8 * kRaPairs) return filter_.ra((off - kRa) / 4);
  if (off >= kVfta && off < kVfta + 4 * kVftaWords) return filter_.vfta((off - kVfta) / 4);
  auto it = plain_.find(off);
  return it == plain_.end() ? 0 : it->second;
}

void E1000::write_locked(uint32_t off, uint32_t v) {
  switch (off) {
    case kCtrl:
      if (v & kCtrlRst) {
        mac_reset_locked();  // self-clearing
        return;
      }
      if (v & kCtrlPhyRst) phy_.reset(link_);
      ctrl_ = v & ~(kCtrlRst | kCtrlPhyRst);
      return;
    case kEecd: eeprom_.write_eecd(v); return;
    case kEerd: eeprom_.write_eerd(v); return;
    case kMdic:
      mdic_ = phy_.mdic(v);
      if (v & kMdicIntEn) irqs_.raise(kIntMdac);
      return;
    case kVet: vet_ = v & 0xFFFF; return;
    case kIcr: irqs_.acknowledge(v); return;
    case kIcs: irqs_.raise(v); return;
    case kIms: irqs_.set_mask(v); return;
    case kImc: irqs_.clear_mask(v); return;
    case kItr: irqs_.set_itr(v); return;
    case kRctl:
      rctl_ = v;
      if ((v & kRctlEn) && rx_.has_buffers()) sink_->rx_ready();
      return;
    case kTctl:
      tctl_ = v;
      transmit_locked();
      return;
    case kRxcsum: rxcsum_ = v & 0x3FF; return;
    case kRdbal: rx_.ring().bal = v & ~0xFu; return;
    case kRdbah: rx_.ring().bah = v; return;
    case kRdlen: rx_.ring().len = v & 0xFFF80; return;
    case kRdh: rx_.ring().head = v & 0xFFFF; return;
    case kRdt:
      rx_.ring().tail = v & 0xFFFF;
      if ((rctl_ & kRctlEn) && rx_.has_buffers()) sink_->rx_ready();
      return;
    case kTdbal: tx_.ring().bal = v & ~0xFu; return;
    case kTdbah: tx_.ring().bah = v; return;
    case kTdlen: tx_.ring().len = v & 0xFFF80; return;
    case kTdh: tx_.ring().head = v & 0xFFFF; return;
    case kTdt:
      tx_.ring().tail = v & 0xFFFF;
      transmit_locked();
      return;
    default: break;
  }
  if (off >= kStatsBase && off < kStatsEnd) return;  // read-only
  if (off >= kMta && off < kMta + 4 * kMtaWords) {
    filter_.mta((off - kMta) / 4) = v;
    return;
  }
  if (off >= kRa && off < kRa + 8 * kRaPairs) {
    unsigned i = (off - kRa) / 4;
    filter_.ra(i) = (i & 1) ? (v & (kRahAv | 0x3FFFF)) : v;
    return;
  }
  if (off >= kVfta && off < kVfta + 4 * kVftaWords) {
    filter_.vfta((off - kVfta) / 4) = v;
    return;
  }
  for (const PlainReg& r : kPlain) {
    if (r.offset == off) {
      plain_[off] = v & r.mask;
      return;
    }
  }
}

void E1000::transmit_locked() {
  if (!bus_master()) return;
  E1000Tx::Config cfg{tctl_, (ctrl_ & kCtrlVme) != 0, static_cast<uint16_t>(vet_)};
  uint32_t causes = tx_.process(mem_, *sink_, cfg, stats_, &tx_blocked_);
  if (causes) irqs_.raise(causes);
}

void E1000::bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(mu_);
  uint32_t v = 0;
  if (bar == 0) {
    // Byte and word reads return the part of the 32-bit register they cover (the
    // register is read, with its side effects, once).
    v = read_locked(static_cast<uint32_t>(offset) & ~3u) >> (8 * (offset & 3));
  } else if (bar == 1) {
    if ((offset & ~3u) == kIoAddr) v = io_addr_;
    else if ((offset & ~3u) == kIoData) v = read_locked(io_addr_ & (kBarSize - 4));
    v >>= 8 * (offset & 3);
  }
  le_store(data, v, size);
}

// Registers are written 32 bits at a time (manual 13.1: "all registers ... 32-bit");
// narrower writes are ignored.
void E1000::bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext&) {
  if (size != 4 || (offset & 3)) return;
  uint32_t v = le32(data);
  std::lock_guard guard(mu_);
  if (bar == 0) {
    write_locked(static_cast<uint32_t>(offset), v);
  } else if (bar == 1) {
    if (offset == kIoAddr) io_addr_ = v & 0x1FFFC;
    else if (offset == kIoData) write_locked(io_addr_ & (kBarSize - 4), v);
  }
}

NetPort::Rx E1000::receive(const uint8_t* frame, size_t len) {
  std::lock_guard guard(mu_);
  if (!link_ || !bus_master()) return Rx::kDropped;
  E1000Rx::Config cfg{rctl_, rxcsum_, (ctrl_ & kCtrlVme) != 0, static_cast<uint16_t>(vet_)};
  uint32_t causes = 0;
  Rx r = rx_.receive(frame, len, mem_, cfg, filter_, stats_, &causes);
  if (causes) irqs_.raise(causes);
  return r;
}

void E1000::tx_ready() {
  std::lock_guard guard(mu_);
  if (tx_blocked_) transmit_locked();
}

void E1000::timer() {
  std::lock_guard guard(mu_);
  irqs_.timer();
}

void E1000::set_link(bool up) {
  std::lock_guard guard(mu_);
  if (link_ == up) return;
  link_ = up;
  phy_.set_link(up);
  irqs_.raise(kIntLsc);
}

}  // namespace vireo
