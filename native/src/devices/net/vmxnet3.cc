// Vmxnet3 registers, commands, interrupts and receive filtering.
#include "devices/net/vmxnet3.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"
#include "devices/net/vmxnet3_layout.h"

namespace vireo {

using namespace vmxnet3;

namespace {

constexpr uint32_t kRevisions = 1;      // VRRS/UVRS: revision 1 supported
constexpr unsigned kMaxMulticast = 64;  // multicast table entries taken from the driver

}  // namespace

Vmxnet3::Vmxnet3(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line, const GuestMemory& mem,
                 const std::array<uint8_t, 6>& mac, FrameSink* sink)
    : PciDevice(std::move(name), res, 0x15AD, 0x07B0, kClassCode, 0x01),
      irq_(irq),
      mem_(mem),
      perm_mac_(mac),
      mac_(mac),
      sink_(sink ? sink : &unplugged_sink()) {
  add_mmio_bar(0, kPtBarSize, false, this);
  add_mmio_bar(1, kVdBarSize, false, this);
  set_subsystem(0x15AD, 0x07B0);
  config_write(kInterruptLine, 1, irq_line);
  set_interrupt_pin(1);
  std::lock_guard guard(mu_);
  device_reset_locked();
}

void Vmxnet3::reset() {
  std::lock_guard guard(mu_);
  device_reset_locked();
  dsa_ = 0;
  vrrs_ = uvrs_ = 0;
  mac_ = perm_mac_;
}

void Vmxnet3::device_reset_locked() {
  queues_.clear();
  icr_ = ecr_ = 0;
  cmd_result_ = 0;
  rx_mode_ = 0;
  rx_csum_ = false;
  intr_disabled_ = true;
  event_intr_ = 0;
  imr_.fill(true);
  multicast_.clear();
  tx_blocked_ = false;
  update_irq_locked();
}

NicTraffic Vmxnet3::traffic() const {
  std::lock_guard guard(mu_);
  return {queues_.rx_frames, queues_.rx_bytes, queues_.tx_frames, queues_.tx_bytes};
}

bool Vmxnet3::link() const {
  std::lock_guard guard(mu_);
  return link_;
}

bool Vmxnet3::bus_master() { return config_read(kCommand, 2) & kCmdBusMaster; }

void Vmxnet3::update_irq_locked() {
  bool level = false;
  if (!intr_disabled_)
    for (unsigned v = 0; v < kIntrs; ++v) level = level || (((icr_ >> v) & 1) && !imr_[v]);
  if (level != line_) {
    line_ = level;
    irq_.set_level(level);
  }
}

void Vmxnet3::raise_locked(unsigned vector) {
  if (vector >= kIntrs) return;
  icr_ |= 1u << vector;
  update_irq_locked();
}

// Events go to DriverShared.ecr (the driver reads them there and acknowledges through
// VD.ECR) and raise the event interrupt.
void Vmxnet3::post_event_locked(uint32_t events) {
  ecr_ |= events;
  if (!queues_.active()) return;
  uint8_t b[4];
  put_le32(b, ecr_);
  mem_.write(dsa_ + kShEcr, b, 4);
  raise_locked(event_intr_);
}

// UPDATE_RX_MODE / UPDATE_MAC_FILTERS: the filter mode and the multicast table (6-byte
// entries) from DriverShared, copied once.
void Vmxnet3::read_rx_filter_locked() {
  uint8_t sh[kShVfTable];
  if (!dsa_ || !mem_.read(dsa_, sh, sizeof sh)) return;
  rx_mode_ = le32(sh + kShRxMode);
  multicast_.clear();
  unsigned entries = std::min<unsigned>(le16(sh + kShMfTableLen) / 6, kMaxMulticast);
  std::vector<uint8_t> table(entries * 6u);
  if (entries && mem_.read(le64(sh + kShMfTablePa), table.data(), table.size()))
    for (unsigned i = 0; i < entries; ++i) {
      std::array<uint8_t, 6> m;
      std::memcpy(m.data(), table.data() + 6 * i, 6);
      multicast_.push_back(m);
    }
}

// ACTIVATE_DEV: DriverShared and the first TX and RX queue descriptors, copied once and
// checked; 0 on success (what drivers test), 1 otherwise.
uint32_t Vmxnet3::activate_locked() {
  uint8_t sh[kSharedSize];
  if (!dsa_ || (dsa_ & 7) || !mem_.read(dsa_, sh, sizeof sh) || le32(sh + kShMagic) != kSharedMagic) return 1;
  unsigned ntx = sh[kShNumTxQueues], nrx = sh[kShNumRxQueues];
  uint64_t qpa = le64(sh + kShQueueDescPa);
  uint32_t qlen = le32(sh + kShQueueDescLen);
  if (!ntx || !nrx || qlen < (ntx + nrx) * kQueueDescSize) return 1;
  uint8_t tq[kQueueDescSize], rq[kQueueDescSize];
  if (!mem_.read(qpa, tq, sizeof tq) || !mem_.read(qpa + uint64_t{ntx} * kQueueDescSize, rq, sizeof rq)) return 1;
  if (!queues_.configure(tq, rq)) return 1;
  intr_disabled_ = le32(sh + kShIntrCtrl) & kIntrCtrlDisableAll;
  event_intr_ = sh[kShEventIntr];
  rx_csum_ = le64(sh + 24) & 1;  // UPT feature RXCSUM
  read_rx_filter_locked();
  update_irq_locked();
  return 0;
}

void Vmxnet3::command_locked(uint32_t cmd) {
  switch (cmd) {
    case kCmdActivate: cmd_result_ = activate_locked(); return;
    case kCmdQuiesce: queues_.clear(); cmd_result_ = 0; return;
    case kCmdReset: device_reset_locked(); return;
    case kCmdUpdateRxMode:
    case kCmdUpdateMacFilters: read_rx_filter_locked(); cmd_result_ = 0; return;
    case kCmdUpdateFeature: {
      uint8_t f[8];
      if (dsa_ && mem_.read(dsa_ + 24, f, 8)) rx_csum_ = le64(f) & 1;
      cmd_result_ = 0;
      return;
    }
    case kCmdGetLink: cmd_result_ = link_ ? kLinkSpeedMbps << 16 | 1 : 0; return;
    case kCmdGetPermMacLo: cmd_result_ = le32(perm_mac_.data()); return;
    case kCmdGetPermMacHi: cmd_result_ = le16(perm_mac_.data() + 4); return;
    case kCmdGetConfIntr: cmd_result_ = kConfIntrIntxActive; return;
    case kCmdGetDidLo: cmd_result_ = 0x07B0; return;
    case kCmdGetDidHi: cmd_result_ = 0x15AD; return;
    default:
      // Other "get" commands (queue status, statistics, extra info) have nothing to
      // report here; other "set" commands (VLAN filters, RSS, IML, PM) are accepted.
      cmd_result_ = 0;
      return;
  }
}

void Vmxnet3::transmit_locked() {
  if (!bus_master()) return;
  if (queues_.transmit(mem_, *sink_, &tx_blocked_)) raise_locked(queues_.tx_intr());
}

void Vmxnet3::bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(mu_);
  uint32_t v = 0;
  if (bar == 0) {
    if (offset < 8 * kIntrs && offset % 8 == 0) v = imr_[offset / 8];
  } else if (bar == 1) {
    switch (offset & ~3u) {
      case kVdVrrs: v = kRevisions; break;
      case kVdUvrs: v = kRevisions; break;
      case kVdDsal: v = static_cast<uint32_t>(dsa_); break;
      case kVdDsah: v = static_cast<uint32_t>(dsa_ >> 32); break;
      case kVdCmd: v = cmd_result_; break;
      case kVdMacl: v = le32(mac_.data()); break;
      case kVdMach: v = le16(mac_.data() + 4); break;
      case kVdIcr:
        v = icr_;
        icr_ = 0;  // read to clear (INTx)
        update_irq_locked();
        break;
      case kVdEcr: v = ecr_; break;
      default: break;
    }
    v >>= 8 * (offset & 3);
  }
  le_store(data, v, size);
}

void Vmxnet3::bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext&) {
  if (size != 4 || (offset & 3)) return;
  uint32_t v = le32(data);
  std::lock_guard guard(mu_);
  if (bar == 0) {
    if (offset < 8 * kIntrs && offset % 8 == 0) {
      imr_[offset / 8] = v & 1;
      update_irq_locked();
    } else if (offset == kPtTxProd) {
      transmit_locked();
    } else if ((offset == kPtRxProd || offset == kPtRxProd2) && queues_.rx_has_buffer(mem_)) {
      sink_->rx_ready();
    }
    return;
  }
  if (bar != 1) return;
  switch (offset) {
    case kVdVrrs: vrrs_ = v & kRevisions; break;
    case kVdUvrs: uvrs_ = v & kRevisions; break;
    case kVdDsal: dsa_ = (dsa_ & ~uint64_t{0xFFFFFFFF}) | v; break;
    case kVdDsah: dsa_ = uint64_t{v} << 32 | (dsa_ & 0xFFFFFFFF); break;
    case kVdCmd: command_locked(v); break;
    case kVdMacl: put_le32(mac_.data(), v); break;
    case kVdMach: put_le16(mac_.data() + 4, static_cast<uint16_t>(v)); break;
    case kVdEcr: {
      ecr_ &= ~v;
      if (queues_.active()) {
        uint8_t b[4];
        put_le32(b, ecr_);
        mem_.write(dsa_ + kShEcr, b, 4);
      }
      break;
    }
    default: break;
  }
}

bool Vmxnet3::accept_locked(const uint8_t* dst) const {
  if (rx_mode_ & kRxmPromisc) return true;
  bool bcast = std::memcmp(dst, "\xff\xff\xff\xff\xff\xff", 6) == 0;
  if (bcast) return rx_mode_ & kRxmBcast;
  if (dst[0] & 1) {
    if (rx_mode_ & kRxmAllMulti) return true;
    if (!(rx_mode_ & kRxmMcast)) return false;
    for (const auto& m : multicast_)
      if (std::memcmp(m.data(), dst, 6) == 0) return true;
    return false;
  }
  return (rx_mode_ & kRxmUcast) && std::memcmp(dst, mac_.data(), 6) == 0;
}

NetPort::Rx Vmxnet3::receive(const uint8_t* frame, size_t len) {
  std::lock_guard guard(mu_);
  if (!link_ || len < 14 || !queues_.active() || !bus_master() || !accept_locked(frame)) return Rx::kDropped;
  Rx r = queues_.receive(frame, len, mem_, rx_csum_);
  if (r == Rx::kTaken) raise_locked(queues_.rx_intr());
  return r;
}

void Vmxnet3::tx_ready() {
  std::lock_guard guard(mu_);
  if (tx_blocked_) transmit_locked();
}

void Vmxnet3::set_link(bool up) {
  std::lock_guard guard(mu_);
  if (link_ == up) return;
  link_ = up;
  post_event_locked(kEcrLink);
}

}  // namespace vireo
