// The vmxnet3 model and FrameStream against the real passt, driven as iPXE's vmxnet3.c
// drives the device (revision 1, one queue pair of 32-entry rings): DHCPDISCOVER gets
// passt's OFFER, and a burst of 80 ARP requests (2.5 laps of each ring, generation bits
// flipping) gets all 80 replies through the RX ring while it is refilled.
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "check.h"
#include "core/le_bytes.h"
#include "devices/net/frame_stream.h"
#include "devices/net/vmxnet3.h"
#include "devices/net/vmxnet3_layout.h"
#include "fake_irq.h"
#include "fake_vcpu.h"
#include "passt_fixture.h"

using namespace vireo;
using namespace vireo::vmxnet3;

namespace {

constexpr uint64_t kPt = 0xFE000000, kVd = 0xFE001000;
constexpr uint64_t kTxRing = 0x10000, kTxComp = 0x10200, kRxRing = 0x10400, kRxComp = 0x10600, kQueues = 0x10800,
                   kShared = 0x10A00, kBufs = 0x20000, kRxBufs = 0x40000;
constexpr unsigned kN = 32;
const std::array<uint8_t, 6> kMac = {0x00, 0x50, 0x56, 0x0A, 0x0B, 0x0C};

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

struct Driver {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  FrameStream stream;
  std::unique_ptr<Vmxnet3> nic;
  vireo_test::Passt passt;
  unsigned tx_prod = 0, rx_prod = 0, rx_cons = 0;

  ~Driver() { stream.stop(); }
  void wr(uint64_t a, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(a, b, 4, vcpu);
  }
  uint32_t rd(uint64_t a) {
    uint8_t b[4];
    mmio.read(a, b, 4, vcpu);
    return le32(b);
  }
  void m32(uint64_t a, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mem.write(a, b, 4);
  }
  void m64(uint64_t a, uint64_t v) {
    uint8_t b[8];
    put_le64(b, v);
    mem.write(a, b, 8);
  }
  uint32_t r32(uint64_t a) {
    uint8_t b[4];
    mem.read(a, b, 4);
    return le32(b);
  }
  bool up() {
    mem.add_region(0, 1 << 20, false);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || !stream.init(sv[0]).ok()) return false;
    nic = std::make_unique<Vmxnet3>("vmxnet3", PciResources{&pio, &mmio, nullptr}, irq, 6, mem, kMac, &stream);
    nic->assign_bar(0, static_cast<uint32_t>(kPt));
    nic->assign_bar(1, static_cast<uint32_t>(kVd));
    nic->set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
    if (!passt.start(sv[1])) return false;
    close(sv[1]);
    stream.start(nic.get());
    wr(kVd + kVdVrrs, 1);
    wr(kVd + kVdUvrs, 1);
    m64(kQueues + kTqRingPa, kTxRing);
    m64(kQueues + kTqCompPa, kTxComp);
    m32(kQueues + kTqRingSize, kN);
    m32(kQueues + kTqCompSize, kN);
    m64(kQueues + 256 + kRqRingPa0, kRxRing);
    m64(kQueues + 256 + kRqCompPa, kRxComp);
    m32(kQueues + 256 + kRqRingSize0, kN);
    m32(kQueues + 256 + kRqCompSize, kN);
    m32(kShared + kShMagic, kSharedMagic);
    m64(kShared + kShQueueDescPa, kQueues);
    m32(kShared + kShQueueDescLen, 512);
    uint8_t one = 1;
    mem.write(kShared + kShNumTxQueues, &one, 1);
    mem.write(kShared + kShNumRxQueues, &one, 1);
    m32(kShared + kShIntrCtrl, kIntrCtrlDisableAll);
    m32(kShared + kShRxMode, kRxmUcast | kRxmBcast);
    wr(kVd + kVdDsal, static_cast<uint32_t>(kShared));
    wr(kVd + kVdCmd, kCmdActivate);
    if (rd(kVd + kVdCmd) != 0) return false;
    refill();
    wr(kVd + kVdCmd, kCmdGetLink);
    return rd(kVd + kVdCmd) & 1;
  }
  void refill() {
    while (rx_prod - rx_cons < kN) {
      unsigned i = rx_prod % kN;
      m64(kRxRing + 16 * i, kRxBufs + 0x800 * i);
      m32(kRxRing + 16 * i + 8, ((rx_prod & kN) ? 0 : kRxGen) | 1526);
      ++rx_prod;
    }
    wr(kPt + kPtRxProd, rx_prod % kN);
  }
  void send(const std::vector<uint8_t>& f) {
    unsigned i = tx_prod % kN;
    uint32_t gen = (tx_prod & kN) ? 0 : kTxGen;
    ++tx_prod;
    mem.write(kBufs + 0x800 * i, f.data(), f.size());
    m64(kTxRing + 16 * i, kBufs + 0x800 * i);
    m32(kTxRing + 16 * i + 8, gen | static_cast<uint32_t>(f.size()));
    m32(kTxRing + 16 * i + 12, kTxCq | kTxEop);
    wr(kPt + kPtTxProd, tx_prod % kN);
  }
  bool receive(std::vector<uint8_t>* out, int ms) {
    for (int t = 0; t < ms; ++t) {
      unsigned i = rx_cons % kN;
      uint32_t gen = (rx_cons & kN) ? 0 : 0x80000000u;
      if ((r32(kRxComp + 16 * i + 12) & 0x80000000u) == gen) {
        ++rx_cons;
        out->resize(r32(kRxComp + 16 * i + 8) & 0x3FFF);
        mem.read(kRxBufs + 0x800 * (r32(kRxComp + 16 * i) & 0xFFF), out->data(), out->size());
        refill();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  std::vector<uint8_t> arp(uint32_t target) {
    std::vector<uint8_t> a(42, 0);
    std::memset(a.data(), 0xFF, 6);
    std::memcpy(a.data() + 6, kMac.data(), 6);
    const uint8_t hdr[] = {0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1};
    std::memcpy(a.data() + 12, hdr, sizeof hdr);
    std::memcpy(a.data() + 22, kMac.data(), 6);
    const uint8_t me[4] = {192, 0, 2, 2};
    std::memcpy(a.data() + 28, me, 4);
    for (int k = 0; k < 4; ++k) a[38 + k] = static_cast<uint8_t>(target >> (24 - 8 * k));
    return a;
  }
  std::vector<uint8_t> discover(uint32_t xid) {
    std::vector<uint8_t> f(14 + 20 + 8 + 244, 0);
    std::memset(f.data(), 0xFF, 6);
    std::memcpy(f.data() + 6, kMac.data(), 6);
    f[12] = 0x08;
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    ip[2] = static_cast<uint8_t>((f.size() - 14) >> 8);
    ip[3] = static_cast<uint8_t>(f.size() - 14);
    ip[8] = 64;
    ip[9] = 17;
    std::memset(ip + 16, 0xFF, 4);
    uint32_t s = 0;
    for (int k = 0; k < 20; k += 2) s += uint32_t{ip[k]} << 8 | ip[k + 1];
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    ip[10] = static_cast<uint8_t>(~s >> 8);
    ip[11] = static_cast<uint8_t>(~s);
    uint8_t* u = ip + 20;
    u[1] = 68;
    u[3] = 67;
    u[4] = static_cast<uint8_t>((8 + 244) >> 8);
    u[5] = static_cast<uint8_t>(8 + 244);
    uint8_t* b = u + 8;
    b[0] = 1, b[1] = 1, b[2] = 6;
    for (int k = 0; k < 4; ++k) b[4 + k] = static_cast<uint8_t>(xid >> (24 - 8 * k));
    b[10] = 0x80;
    std::memcpy(b + 28, kMac.data(), 6);
    const uint8_t tail[] = {99, 130, 83, 99, 53, 1, 1, 255};
    std::memcpy(b + 236, tail, sizeof tail);
    return f;
  }
};

}  // namespace

TEST(vmxnet3_dhcp_and_arp_burst_through_passt) {
  if (!vireo_test::have_passt()) {
    std::fprintf(stderr, "  passt is not installed: apt install passt (Debian package passt)\n");
    CHECK(vireo_test::have_passt());
    return;
  }
  Driver d;
  CHECK(d.up());
  d.send(d.discover(0x1234));
  std::vector<uint8_t> f;
  bool offer = false;
  while (!offer && d.receive(&f, 3000))
    offer = f.size() > 42 + 240 && be16(f.data() + 36) == 68 && f[42] == 2 && le32(f.data() + 46) == 0x34120000u;
  CHECK(offer);
  const unsigned burst = 80;
  for (unsigned n = 0; n < burst; ++n) d.send(d.arp(0xC0000200u | (10 + n)));
  uint64_t seen[2] = {0, 0};
  unsigned replies = 0;
  while (replies < burst && d.receive(&f, 3000)) {
    if (f.size() < 42 || be16(f.data() + 12) != 0x0806 || be16(f.data() + 20) != 2) continue;
    unsigned n = f[31] - 10u;
    if (n < burst && !((seen[n / 64] >> (n % 64)) & 1)) seen[n / 64] |= uint64_t{1} << (n % 64), ++replies;
  }
  CHECK_EQ(replies, burst);
  CHECK_EQ(d.nic->traffic().tx_frames, uint64_t{burst + 1});
}
