// vmxnet3 revision 1 driven as iPXE's vmxnet3.c drives it (one TX and one RX queue of 32
// descriptors, DriverShared and queue descriptors in guest memory): revision selection,
// activation, GET_LINK, the permanent MAC, transmit and receive with completions and
// generation bits over several ring laps, INTx through ICR/IMR, link events in ECR,
// receive filtering, and hostile shared areas, rings and buffer addresses.
#include "devices/net/vmxnet3.h"

#include <cstring>

#include "check.h"
#include "core/le_bytes.h"
#include "devices/net/vmxnet3_layout.h"
#include "fake_irq.h"
#include "fake_net.h"
#include "fake_vcpu.h"

using namespace vireo;
using namespace vireo::vmxnet3;

namespace {

constexpr uint64_t kPt = 0xFE000000, kVd = 0xFE001000;
constexpr uint64_t kTxRing = 0x10000, kTxComp = 0x10200, kRxRing = 0x10400, kRxComp = 0x10600, kQueues = 0x10800,
                   kShared = 0x10A00, kBufs = 0x20000, kRxBufs = 0x40000;
constexpr unsigned kN = 32;
const std::array<uint8_t, 6> kMac = {0x00, 0x50, 0x56, 0x01, 0x02, 0x03};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  vireo_test::FakeWire wire;
  Vmxnet3 nic{"vmxnet3", PciResources{&pio, &mmio, nullptr}, irq, 6, mem, kMac, &wire};
  unsigned tx_prod = 0, tx_cons = 0, rx_prod = 0, rx_cons = 0;

  Rig() {
    mem.add_region(0, 1 << 20, false);
    nic.assign_bar(0, static_cast<uint32_t>(kPt));
    nic.assign_bar(1, static_cast<uint32_t>(kVd));
    nic.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
    nic.set_link(true);
  }
  uint32_t rd(uint64_t a) {
    uint8_t b[4];
    mmio.read(a, b, 4, vcpu);
    return le32(b);
  }
  void wr(uint64_t a, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(a, b, 4, vcpu);
  }
  uint32_t command(uint32_t c) {
    wr(kVd + kVdCmd, c);
    return rd(kVd + kVdCmd);
  }
  void w32(uint64_t a, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mem.write(a, b, 4);
  }
  void w64(uint64_t a, uint64_t v) {
    uint8_t b[8];
    put_le64(b, v);
    mem.write(a, b, 8);
  }
  uint32_t r32(uint64_t a) {
    uint8_t b[4];
    mem.read(a, b, 4);
    return le32(b);
  }
  // iPXE vmxnet3_open: queue descriptors and DriverShared, then ACTIVATE.
  uint32_t open(uint32_t intr_control = kIntrCtrlDisableAll) {
    CHECK_EQ(rd(kVd + kVdVrrs) & 1, 1u);
    wr(kVd + kVdVrrs, 1);
    CHECK_EQ(rd(kVd + kVdUvrs) & 1, 1u);
    wr(kVd + kVdUvrs, 1);
    w64(kQueues + kTqRingPa, kTxRing);
    w64(kQueues + kTqCompPa, kTxComp);
    w32(kQueues + kTqRingSize, kN);
    w32(kQueues + kTqCompSize, kN);
    w64(kQueues + 256 + kRqRingPa0, kRxRing);
    w64(kQueues + 256 + kRqCompPa, kRxComp);
    w32(kQueues + 256 + kRqRingSize0, kN);
    w32(kQueues + 256 + kRqCompSize, kN);
    w32(kShared + kShMagic, kSharedMagic);
    w32(kShared + kShVersion, 0x69505845);
    w64(kShared + kShQueueDescPa, kQueues);
    w32(kShared + kShQueueDescLen, 512);
    w32(kShared + kShMtu, 1522);
    uint8_t one = 1;
    mem.write(kShared + kShNumTxQueues, &one, 1);
    mem.write(kShared + kShNumRxQueues, &one, 1);
    mem.write(kShared + kShIntrNum, &one, 1);
    w32(kShared + kShIntrCtrl, intr_control);
    w32(kShared + kShRxMode, kRxmUcast | kRxmBcast);
    wr(kVd + kVdDsal, static_cast<uint32_t>(kShared));
    wr(kVd + kVdDsah, 0);
    return command(kCmdActivate);
  }
  void refill() {  // iPXE vmxnet3_refill_rx, all 32 slots
    while (rx_prod - rx_cons < kN) {
      unsigned i = rx_prod % kN;
      uint32_t gen = (rx_prod & kN) ? 0 : kRxGen;
      w64(kRxRing + 16 * i, kRxBufs + 0x800 * i);
      w32(kRxRing + 16 * i + 8, gen | 1526);
      ++rx_prod;
    }
    wr(kPt + kPtRxProd, rx_prod % kN);
  }
  void transmit(const std::vector<uint8_t>& f) {
    unsigned i = tx_prod % kN;
    uint32_t gen = (tx_prod & kN) ? 0 : kTxGen;
    ++tx_prod;
    mem.write(kBufs + 0x800 * i, f.data(), f.size());
    w64(kTxRing + 16 * i, kBufs + 0x800 * i);
    w32(kTxRing + 16 * i + 8, gen | static_cast<uint32_t>(f.size()));
    w32(kTxRing + 16 * i + 12, kTxCq | kTxEop);
    wr(kPt + kPtTxProd, tx_prod % kN);
  }
  bool tx_completed() {  // iPXE vmxnet3_poll_tx, one entry
    unsigned i = tx_cons % kN;
    uint32_t gen = (tx_cons & kN) ? 0 : 0x80000000u;
    if ((r32(kTxComp + 16 * i + 12) & 0x80000000u) != gen) return false;
    ++tx_cons;
    return true;
  }
  bool rx_completed(std::vector<uint8_t>* out) {  // iPXE vmxnet3_poll_rx, one entry
    unsigned i = rx_cons % kN;
    uint32_t gen = (rx_cons & kN) ? 0 : 0x80000000u;
    if ((r32(kRxComp + 16 * i + 12) & 0x80000000u) != gen) return false;
    ++rx_cons;
    unsigned desc = r32(kRxComp + 16 * i) & 0xFFF;
    out->resize(r32(kRxComp + 16 * i + 8) & 0x3FFF);
    mem.read(kRxBufs + 0x800 * desc, out->data(), out->size());
    return true;
  }
};

std::vector<uint8_t> frame(const uint8_t* dst, size_t len, uint8_t tag) {
  std::vector<uint8_t> f(len, tag);
  std::memcpy(f.data(), dst, 6);
  std::memcpy(f.data() + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
  return f;
}

}  // namespace

TEST(pci_identity_and_revision_negotiation) {
  Rig r;
  CHECK_EQ(r.nic.config_read(PciDevice::kVendorId, 2), 0x15ADu);
  CHECK_EQ(r.nic.config_read(PciDevice::kDeviceId, 2), 0x07B0u);
  CHECK_EQ(r.nic.bar_size(0), uint64_t{kPtBarSize});
  CHECK_EQ(r.nic.bar_size(1), uint64_t{kVdBarSize});
  CHECK_EQ(r.rd(kVd + kVdMacl), 0x01565000u);
  CHECK_EQ(r.rd(kVd + kVdMach), 0x0302u);
  CHECK_EQ(r.command(kCmdGetPermMacLo), 0x01565000u);
  CHECK_EQ(r.command(kCmdGetLink), (10000u << 16) | 1);
  CHECK_EQ(r.command(kCmdGetConfIntr) & 3, 1u);  // INTx
}

TEST(activate_transmit_and_receive_over_ring_laps) {
  Rig r;
  CHECK_EQ(r.open(), 0u);
  r.refill();
  for (int n = 0; n < 70; ++n) {  // more than two laps of 32
    auto f = frame(kMac.data(), 64 + n, static_cast<uint8_t>(n));
    r.transmit(f);
    CHECK(r.tx_completed());
    CHECK(r.wire.sent.back() == f);
    CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
    std::vector<uint8_t> got;
    CHECK(r.rx_completed(&got));
    CHECK(got == f);
    r.refill();
  }
  CHECK_EQ(r.wire.sent.size(), size_t{70});
  NicTraffic t = r.nic.traffic();
  CHECK_EQ(t.tx_frames, 70u);
  CHECK_EQ(t.rx_frames, 70u);
}

TEST(receive_waits_for_buffers_and_filters) {
  Rig r;
  CHECK_EQ(r.open(), 0u);
  auto f = frame(kMac.data(), 80, 1);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kNoBuffers);  // nothing posted
  int before = r.wire.rx_ready_calls;
  r.refill();
  CHECK(r.wire.rx_ready_calls > before);
  const uint8_t other[6] = {0x02, 0, 0, 0, 0, 9}, bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                mcast[6] = {0x01, 0, 0x5e, 0, 0, 1};
  CHECK(r.nic.receive(frame(other, 80, 2).data(), 80) == NetPort::Rx::kDropped);
  CHECK(r.nic.receive(frame(bcast, 80, 3).data(), 80) == NetPort::Rx::kTaken);
  CHECK(r.nic.receive(frame(mcast, 80, 4).data(), 80) == NetPort::Rx::kDropped);
  r.w32(kShared + kShRxMode, kRxmUcast | kRxmBcast | kRxmMcast);
  r.w32(kShared + kShMfTableLen, 6);
  r.w64(kShared + kShMfTablePa, 0x30000);
  r.mem.write(0x30000, mcast, 6);
  r.command(kCmdUpdateMacFilters);
  CHECK(r.nic.receive(frame(mcast, 80, 4).data(), 80) == NetPort::Rx::kTaken);
  CHECK(r.nic.receive(frame(kMac.data(), 2000, 5).data(), 2000) == NetPort::Rx::kTaken);  // too big for 1526
  CHECK_EQ(r.r32(kRxComp + 16 * 2 + 8) & (1u << 14), 1u << 14);  // completed with err
}

TEST(intx_through_icr_and_imr_and_link_events) {
  Rig r;
  CHECK_EQ(r.open(0), 0u);  // interrupts enabled
  r.refill();
  auto f = frame(kMac.data(), 64, 1);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
  CHECK(!r.irq.level);  // vector 0 still masked (IMR = 1 after reset)
  r.wr(kPt + kPtImr, 0);
  CHECK(r.irq.level);
  CHECK(r.rd(kVd + kVdIcr) != 0);
  CHECK(!r.irq.level);
  CHECK_EQ(r.rd(kVd + kVdIcr), 0u);
  r.nic.set_link(false);
  CHECK(r.r32(kShared + kShEcr) & kEcrLink);
  CHECK(r.irq.level);
  CHECK_EQ(r.command(kCmdGetLink), 0u);
  r.wr(kVd + kVdEcr, kEcrLink);
  CHECK_EQ(r.r32(kShared + kShEcr), 0u);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kDropped);  // link down
}

TEST(hostile_shared_area_rings_and_buffers) {
  Rig r;
  CHECK_EQ(r.command(kCmdActivate), 1u);  // no shared area
  r.w32(kShared + kShMagic, 0x12345678);
  r.wr(kVd + kVdDsal, static_cast<uint32_t>(kShared));
  CHECK_EQ(r.command(kCmdActivate), 1u);
  CHECK_EQ(r.open(), 0u);
  r.w32(kQueues + kTqRingSize, 100000);  // beyond 4096
  CHECK_EQ(r.command(kCmdActivate), 1u);
  r.w32(kQueues + kTqRingSize, kN);
  r.wr(kVd + kVdDsal, 0xFFFFF000);  // outside RAM
  CHECK_EQ(r.command(kCmdActivate), 1u);
  Rig s;
  CHECK_EQ(s.open(), 0u);
  // A buffer outside RAM: the packet is dropped, its completion still comes.
  s.w64(kTxRing, 0x7FFFFFFF000ull);
  s.w32(kTxRing + 8, kTxGen | 100);
  s.w32(kTxRing + 12, kTxCq | kTxEop);
  s.tx_prod = 1;
  s.wr(kPt + kPtTxProd, 1);
  CHECK(s.tx_completed());
  CHECK_EQ(s.wire.sent.size(), size_t{0});
  // Every descriptor owned by the device without EOP: one lap, then the call returns.
  for (unsigned i = 0; i < kN; ++i) {
    s.w64(kTxRing + 16 * i, kBufs);
    s.w32(kTxRing + 16 * i + 8, (i == 0 ? 0 : kTxGen) | 0);  // length 0 = 16 KiB
    s.w32(kTxRing + 16 * i + 12, 0);
  }
  s.wr(kPt + kPtTxProd, 0);
  CHECK_EQ(s.wire.sent.size(), size_t{0});
}
