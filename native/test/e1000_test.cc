// Intel 82545EM model: PCI identity, EEPROM (EERD and Microwire bit-banging, checksum),
// PHY through MDIC, transmit (legacy, checksum offload, TSO, VLAN insertion, ring wrap,
// back-pressure), receive (multi-descriptor frames, filters, checksums, no-buffer hold),
// interrupts with ITR throttling, CTRL.RST, and hostile rings, lengths and addresses.
#include "devices/net/e1000.h"

#include <cstring>

#include "check.h"
#include "core/le_bytes.h"
#include "devices/net/e1000_regs.h"
#include "devices/net/inet_checksum.h"
#include "fake_irq.h"
#include "fake_net.h"
#include "fake_vcpu.h"

using namespace vireo;
using namespace vireo::e1000;

namespace {

using vireo_test::FakeClock;
using vireo_test::FakeIrq;
using vireo_test::FakeWire;

constexpr uint64_t kBar = 0xFE000000;
constexpr uint16_t kIoBar = 0xC000;
constexpr uint64_t kTxRing = 0x10000, kRxRing = 0x11000, kBufs = 0x20000, kRxBufs = 0x40000;
const uint8_t kMac[6] = {0x00, 0x0C, 0x29, 0x12, 0x34, 0x56};

E1000Identity identity() {
  E1000Identity id;
  std::memcpy(id.mac.data(), kMac, 6);
  return id;
}

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeIrq irq;
  FakeWire wire;
  FakeClock clock;
  E1000 nic{"e1000", PciResources{&pio, &mmio, nullptr}, irq, 6, mem, identity(), &wire, clock};
  uint32_t tdt = 0;

  Rig() {
    mem.add_region(0, 1 << 20, false);
    nic.assign_bar(0, static_cast<uint32_t>(kBar));
    nic.assign_bar(1, kIoBar);
    nic.set_command(PciDevice::kCmdMemory | PciDevice::kCmdIo | PciDevice::kCmdBusMaster);
    nic.set_link(true);
    rd(kIcr);
  }
  uint32_t rd(uint32_t off) {
    uint8_t b[4];
    mmio.read(kBar + off, b, 4, vcpu);
    return le32(b);
  }
  void wr(uint32_t off, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + off, b, 4, vcpu);
  }
  void tx_setup(unsigned descs = 8) {
    wr(kTdbal, static_cast<uint32_t>(kTxRing));
    wr(kTdbah, 0);
    wr(kTdlen, descs * 16);
    wr(kTdh, 0);
    wr(kTdt, 0);
    wr(kTctl, kTctlEn);
    tdt = 0;
  }
  void tx_desc(unsigned i, uint64_t addr, const uint8_t* raw16) {
    (void)addr;
    mem.write(kTxRing + i * 16ull, raw16, 16);
  }
  // A legacy descriptor at TDT with EOP|IFCS|RS; TDT advanced (ring of `descs`).
  void send_legacy(const uint8_t* data, uint16_t len, unsigned descs = 8, uint8_t extra_cmd = 0) {
    uint64_t buf = kBufs + tdt * 0x800ull;
    mem.write(buf, data, len);
    uint8_t d[16]{};
    put_le64(d, buf);
    put_le16(d + 8, len);
    d[11] = kTxCmdEop | kTxCmdIfcs | kTxCmdRs | extra_cmd;
    mem.write(kTxRing + tdt * 16ull, d, 16);
    tdt = (tdt + 1) % descs;
    wr(kTdt, tdt);
  }
  void rx_setup(unsigned descs, uint32_t rctl_extra = 0) {
    for (unsigned i = 0; i < descs; ++i) {
      uint8_t d[16]{};
      put_le64(d, kRxBufs + i * 0x1000ull);
      mem.write(kRxRing + i * 16ull, d, 16);
    }
    wr(kRdbal, static_cast<uint32_t>(kRxRing));
    wr(kRdlen, descs * 16);
    wr(kRdh, 0);
    wr(kRdt, descs - 1);
    wr(kRctl, kRctlEn | kRctlBam | kRctlSecrc | rctl_extra);
  }
  uint8_t rx_status(unsigned i) {
    uint8_t d[16];
    mem.read(kRxRing + i * 16ull, d, 16);
    return d[12];
  }
  uint16_t rx_len(unsigned i) {
    uint8_t d[16];
    mem.read(kRxRing + i * 16ull, d, 16);
    return le16(d + 8);
  }
};

std::vector<uint8_t> frame_to(const uint8_t* dst, size_t len, uint8_t fill = 0xA5) {
  std::vector<uint8_t> f(len, fill);
  std::memcpy(f.data(), dst, 6);
  std::memcpy(f.data() + 6, "\x02\x00\x00\x00\x00\x01", 6);
  f[12] = 0x88;
  f[13] = 0xB5;  // local experimental ethertype
  return f;
}

// An Ethernet + IPv4 + TCP (or UDP) packet with `payload` bytes, checksums left zero.
std::vector<uint8_t> ip_packet(bool tcp, size_t payload) {
  size_t l4 = tcp ? 20 : 8;
  std::vector<uint8_t> p(14 + 20 + l4 + payload, 0);
  std::memcpy(p.data(), "\x02\x00\x00\x00\x00\x02\x00\x0c\x29\x12\x34\x56\x08\x00", 14);
  uint8_t* ip = p.data() + 14;
  ip[0] = 0x45;
  uint16_t total = static_cast<uint16_t>(20 + l4 + payload);
  ip[2] = static_cast<uint8_t>(total >> 8);
  ip[3] = static_cast<uint8_t>(total);
  ip[4] = 0x12;
  ip[5] = 0x34;
  ip[8] = 64;
  ip[9] = tcp ? 6 : 17;
  std::memcpy(ip + 12, "\xC0\x00\x02\x0F\xC0\x00\x02\x01", 8);
  uint8_t* t = ip + 20;
  t[0] = 0x04;  // source port 1234
  t[1] = 0xD2;
  t[3] = 80;
  if (tcp) {
    std::memcpy(t + 4, "\x00\x00\x10\x00", 4);  // seq 4096
    t[12] = 0x50;
    t[13] = 0x19;  // FIN PSH ACK
  } else {
    t[4] = static_cast<uint8_t>((8 + payload) >> 8);
    t[5] = static_cast<uint8_t>(8 + payload);
  }
  for (size_t i = 0; i < payload; ++i) t[l4 + i] = static_cast<uint8_t>(i * 7);
  return p;
}

// The L4 checksum over the pseudo header is correct (sums to zero).
bool l4_ok(const std::vector<uint8_t>& f) {
  const uint8_t* ip = f.data() + 14;
  size_t ihl = (ip[0] & 15) * 4u;
  size_t total = size_t{ip[2]} << 8 | ip[3];
  uint32_t s = inet_sum(ip + 12, 8);
  s += ip[9];
  s += static_cast<uint32_t>(total - ihl);
  s = inet_sum(ip + ihl, total - ihl, s);
  return inet_fold(s) == 0;
}

// The pseudo-header sum Linux seeds for TSO (addresses and protocol, no length).
uint16_t pseudo_seed(const std::vector<uint8_t>& p) {
  uint32_t s = inet_sum(p.data() + 14 + 12, 8) + p[14 + 9];
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<uint16_t>(s);
}

}  // namespace

TEST(pci_identity_is_vmware_e1000) {
  Rig r;
  CHECK_EQ(r.nic.config_read(PciDevice::kVendorId, 2), 0x8086u);
  CHECK_EQ(r.nic.config_read(PciDevice::kDeviceId, 2), 0x100Fu);
  CHECK_EQ(r.nic.config_read(PciDevice::kSubsysVendor, 2), 0x15ADu);
  CHECK_EQ(r.nic.config_read(PciDevice::kSubsysId, 2), 0x0750u);
  CHECK_EQ(r.nic.config_read(PciDevice::kClassProg, 1) | r.nic.config_read(0x0A, 2) << 8, 0x020000u);
  CHECK_EQ(r.nic.bar_size(0), uint64_t{kBarSize});
  CHECK(r.nic.bar_type(1) == PciDevice::BarType::kIo);
  CHECK_EQ(r.nic.config_read(PciDevice::kInterruptPin, 1), 1u);
}

TEST(eeprom_through_eerd_has_mac_and_checksum) {
  Rig r;
  uint16_t sum = 0;
  uint16_t words[64];
  for (unsigned a = 0; a < 64; ++a) {
    r.wr(kEerd, kEerdStart | a << 8);
    uint32_t v = r.rd(kEerd);
    CHECK(v & kEerdDone);
    CHECK(!(v & 2));  // not the large-format DONE bit iPXE probes first
    words[a] = static_cast<uint16_t>(v >> 16);
    sum = static_cast<uint16_t>(sum + words[a]);
  }
  CHECK_EQ(sum, 0xBABA);
  CHECK_EQ(words[0], 0x0C00);
  CHECK_EQ(words[1], 0x1229);
  CHECK_EQ(words[2], 0x5634);
  CHECK_EQ(words[0x0B], 0x0750);
  CHECK_EQ(words[0x0D], 0x100F);
}

// Linux e1000 (e1000_hw.c, Microwire): request/grant, CS, opcode 110 + 6 address bits
// shifted out on SK rising edges, 16 data bits shifted in.
TEST(eeprom_microwire_bitbang_reads_words) {
  Rig r;
  auto clock_bit = [&](uint32_t eecd, bool bit) {
    uint32_t v = (eecd & ~kEecdDi) | (bit ? kEecdDi : 0);
    r.wr(kEecd, v);
    r.wr(kEecd, v | kEecdSk);
    r.wr(kEecd, v);
  };
  auto read_word = [&](unsigned addr) {
    r.wr(kEecd, kEecdReq);
    CHECK(r.rd(kEecd) & kEecdGnt);
    uint32_t base = kEecdReq | kEecdCs;
    r.wr(kEecd, base);
    for (int i = 2; i >= 0; --i) clock_bit(base, (0x6 >> i) & 1);
    for (int i = 5; i >= 0; --i) clock_bit(base, (addr >> i) & 1);
    uint16_t w = 0;
    for (int i = 0; i < 16; ++i) {
      r.wr(kEecd, base | kEecdSk);
      w = static_cast<uint16_t>(w << 1 | ((r.rd(kEecd) & kEecdDo) ? 1 : 0));
      r.wr(kEecd, base);
    }
    r.wr(kEecd, 0);
    return w;
  };
  CHECK_EQ(read_word(0), 0x0C00);
  CHECK_EQ(read_word(2), 0x5634);
  CHECK_EQ(read_word(0x0E), 0x8086);
  uint16_t sum = 0;
  for (unsigned a = 0; a < 64; ++a) sum = static_cast<uint16_t>(sum + read_word(a));
  CHECK_EQ(sum, 0xBABA);
}

TEST(phy_ids_and_link_through_mdic) {
  Rig r;
  auto phy_read = [&](unsigned reg) {
    r.wr(kMdic, kMdicOpRead | 1u << 21 | reg << 16);
    uint32_t v = r.rd(kMdic);
    CHECK(v & kMdicReady);
    CHECK(!(v & kMdicError));
    return v & 0xFFFF;
  };
  CHECK_EQ(phy_read(2), 0x0141u);
  CHECK_EQ(phy_read(3) & 0xFFF0, 0x0C20u);
  CHECK(phy_read(1) & 0x0024);  // link and auto-negotiation complete
  r.wr(kMdic, kMdicOpRead | 2u << 21 | 2u << 16);  // PHY address 2: nothing there
  CHECK(r.rd(kMdic) & kMdicError);
  r.nic.set_link(false);
  CHECK(!(phy_read(1) & 0x0004));
  CHECK(!(r.rd(kStatus) & kStatusLu));
  CHECK(r.rd(kIcr) & kIntLsc);
}

TEST(tx_legacy_frames_go_out_with_dd_and_txdw) {
  Rig r;
  r.tx_setup();
  r.wr(kIms, kIntTxdw);
  auto f = frame_to(kMac, 100);
  r.send_legacy(f.data(), 100);
  r.send_legacy(f.data(), 42);
  CHECK_EQ(r.wire.sent.size(), size_t{2});
  CHECK(r.wire.sent[0] == f);
  CHECK_EQ(r.wire.sent[1].size(), size_t{42});  // not padded: see e1000_tx.cc emit()
  CHECK_EQ(r.rd(kTdh), 2u);
  uint8_t d[16];
  r.mem.read(kTxRing, d, 16);
  CHECK(d[12] & kTxStaDd);
  CHECK(r.irq.level);
  CHECK(r.rd(kIcr) & kIntTxdw);
  CHECK(!r.irq.level);
  CHECK_EQ(r.rd(E1000Stats::kGptc), 2u);
  CHECK_EQ(r.rd(E1000Stats::kGptc), 0u);  // clear on read
}

TEST(tx_ring_wraps_around) {
  Rig r;
  r.tx_setup(8);
  auto f = frame_to(kMac, 64);
  for (int i = 0; i < 21; ++i) {
    f[20] = static_cast<uint8_t>(i);
    r.send_legacy(f.data(), 64);
  }
  CHECK_EQ(r.wire.sent.size(), size_t{21});
  for (int i = 0; i < 21; ++i) CHECK_EQ(r.wire.sent[i][20], i);
  CHECK_EQ(r.rd(kTdh), 21u % 8);
}

TEST(tx_waits_while_the_wire_is_full) {
  Rig r;
  r.tx_setup();
  r.wire.full = true;
  auto f = frame_to(kMac, 64);
  r.send_legacy(f.data(), 64);
  CHECK_EQ(r.wire.sent.size(), size_t{0});
  CHECK_EQ(r.rd(kTdh), 0u);
  r.wire.full = false;
  r.nic.tx_ready();
  CHECK_EQ(r.wire.sent.size(), size_t{1});
  CHECK_EQ(r.rd(kTdh), 1u);
}

TEST(tx_context_checksum_offload_udp) {
  Rig r;
  r.tx_setup();
  auto p = ip_packet(false, 33);
  uint16_t seed = pseudo_seed(p);
  uint32_t s = uint32_t{seed} + 8 + 33;  // Linux seeds UDP/TCP offload with the full pseudo-header sum
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  p[14 + 20 + 6] = static_cast<uint8_t>(s >> 8);
  p[14 + 20 + 7] = static_cast<uint8_t>(s);
  r.mem.write(kBufs, p.data(), p.size());
  uint8_t ctx[16]{};
  ctx[0] = 14;           // IPCSS
  ctx[1] = 14 + 10;      // IPCSO
  put_le16(ctx + 2, 14 + 19);  // IPCSE
  ctx[4] = 34;           // TUCSS
  ctx[5] = 34 + 6;       // TUCSO
  put_le32(ctx + 8, (kTxCmdDext | kTucmdIp) << 24 | kDtypContext << 20);
  uint8_t data[16]{};
  put_le64(data, kBufs);
  put_le32(data + 8, uint32_t(kTxCmdDext | kTxCmdEop | kTxCmdRs | kTxCmdIfcs) << 24 | kDtypData << 20 |
                         static_cast<uint32_t>(p.size()));
  data[13] = kPoptsIxsm | kPoptsTxsm;
  r.mem.write(kTxRing, ctx, 16);
  r.mem.write(kTxRing + 16, data, 16);
  r.wr(kTdt, 2);
  CHECK_EQ(r.wire.sent.size(), size_t{1});
  const auto& f = r.wire.sent[0];
  CHECK_EQ(inet_checksum(f.data() + 14, 20), 0);
  CHECK(l4_ok(f));
}

TEST(tx_tso_segments_tcp) {
  Rig r;
  r.tx_setup();
  const size_t payload = 2500, mss = 1000, hdr = 54;
  auto p = ip_packet(true, payload);
  uint16_t seed = pseudo_seed(p);
  p[14 + 20 + 16] = static_cast<uint8_t>(seed >> 8);
  p[14 + 20 + 17] = static_cast<uint8_t>(seed);
  r.mem.write(kBufs, p.data(), hdr);
  r.mem.write(kBufs + 0x1000, p.data() + hdr, payload);
  uint8_t ctx[16]{};
  ctx[0] = 14;
  ctx[1] = 24;
  put_le16(ctx + 2, 33);
  ctx[4] = 34;
  ctx[5] = 34 + 16;
  put_le32(ctx + 8, uint32_t(kTxCmdDext | kTxCmdTse | kTucmdIp | kTucmdTcp) << 24 | kDtypContext << 20 |
                        static_cast<uint32_t>(payload));
  ctx[13] = hdr;
  put_le16(ctx + 14, mss);
  uint8_t d1[16]{}, d2[16]{};
  put_le64(d1, kBufs);
  put_le32(d1 + 8, uint32_t(kTxCmdDext | kTxCmdTse | kTxCmdIfcs) << 24 | kDtypData << 20 | hdr);
  d1[13] = kPoptsIxsm | kPoptsTxsm;
  put_le64(d2, kBufs + 0x1000);
  put_le32(d2 + 8, uint32_t(kTxCmdDext | kTxCmdTse | kTxCmdEop | kTxCmdRs) << 24 | kDtypData << 20 | payload);
  r.mem.write(kTxRing, ctx, 16);
  r.mem.write(kTxRing + 16, d1, 16);
  r.mem.write(kTxRing + 32, d2, 16);
  r.wr(kTdt, 3);
  CHECK_EQ(r.wire.sent.size(), size_t{3});
  for (size_t i = 0; i < r.wire.sent.size(); ++i) {
    const auto& f = r.wire.sent[i];
    size_t len = i < 2 ? mss : payload - 2 * mss;
    CHECK_EQ(f.size(), hdr + len);
    CHECK_EQ(inet_checksum(f.data() + 14, 20), 0);
    CHECK(l4_ok(f));
    uint32_t seq = le32(f.data() + 38);
    seq = __builtin_bswap32(seq);
    CHECK_EQ(seq, 4096 + i * mss);
    CHECK_EQ(f[19], static_cast<uint8_t>(0x34 + i));       // IP identification + segment
    CHECK_EQ(f[47] & 0x09, i == 2 ? 0x09 : 0);              // FIN/PSH on the last only
    CHECK(std::memcmp(f.data() + hdr, p.data() + hdr + i * mss, len) == 0);
  }
}

TEST(tx_vlan_tag_inserted_with_vme) {
  Rig r;
  r.tx_setup();
  r.wr(kCtrl, r.rd(kCtrl) | kCtrlVme);
  auto f = frame_to(kMac, 80);
  uint64_t buf = kBufs;
  r.mem.write(buf, f.data(), f.size());
  uint8_t d[16]{};
  put_le64(d, buf);
  put_le16(d + 8, 80);
  d[11] = kTxCmdEop | kTxCmdRs | kTxCmdVle;
  put_le16(d + 14, 0x2005);
  r.mem.write(kTxRing, d, 16);
  r.wr(kTdt, 1);
  CHECK_EQ(r.wire.sent.size(), size_t{1});
  const auto& o = r.wire.sent[0];
  CHECK_EQ(o.size(), size_t{84});
  CHECK_EQ(o[12], 0x81);
  CHECK_EQ(o[13], 0x00);
  CHECK_EQ(o[14], 0x20);
  CHECK_EQ(o[15], 0x05);
  CHECK_EQ(o[16], 0x88);
}

TEST(rx_frame_spans_descriptors_and_sets_eop) {
  Rig r;
  r.rx_setup(8, 3u << kRctlBsizeShift);  // 256-byte buffers
  r.wr(kIms, kIntRxt0);
  auto f = frame_to(kMac, 600);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
  CHECK_EQ(r.rd(kRdh), 3u);
  CHECK_EQ(r.rx_len(0), 256);
  CHECK_EQ(r.rx_len(2), 600 - 512);
  CHECK_EQ(r.rx_status(0) & (kRxStatDd | kRxStatEop), kRxStatDd);
  CHECK_EQ(r.rx_status(2) & (kRxStatDd | kRxStatEop), kRxStatDd | kRxStatEop);
  std::vector<uint8_t> got(600);
  r.mem.read(kRxBufs, got.data(), 256);
  r.mem.read(kRxBufs + 0x1000, got.data() + 256, 256);
  r.mem.read(kRxBufs + 0x2000, got.data() + 512, 88);
  CHECK(got == f);
  CHECK(r.irq.level);
  CHECK(r.rd(kIcr) & kIntRxt0);
}

TEST(rx_appends_fcs_without_secrc) {
  Rig r;
  r.rx_setup(8);
  r.wr(kRctl, kRctlEn | kRctlBam);
  auto f = frame_to(kMac, 100);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
  CHECK_EQ(r.rx_len(0), 104);
  uint8_t fcs[4];
  r.mem.read(kRxBufs + 100, fcs, 4);
  uint32_t crc = ethernet_crc32(f.data(), f.size());
  CHECK_EQ(le32(fcs), crc);
}

TEST(rx_holds_frames_until_buffers_come_back) {
  Rig r;
  r.rx_setup(8);  // RDT = 7: seven descriptors owned by the NIC
  auto f = frame_to(kMac, 64);
  for (int i = 0; i < 7; ++i) CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kNoBuffers);
  int before = r.wire.rx_ready_calls;
  r.wr(kRdt, 1);  // the guest gives two back (ring wraps)
  CHECK(r.wire.rx_ready_calls > before);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
  CHECK_EQ(r.rd(kRdh), 0u);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
  CHECK_EQ(r.rd(kRdh), 1u);
}

TEST(rx_filters_unicast_multicast_broadcast) {
  Rig r;
  r.rx_setup(16);
  const uint8_t other[6] = {0x02, 0, 0, 0, 0, 9}, bcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF},
                mcast[6] = {0x01, 0x00, 0x5E, 0x00, 0x00, 0xFB};
  CHECK(r.nic.receive(frame_to(other, 64).data(), 64) == NetPort::Rx::kDropped);
  CHECK(r.nic.receive(frame_to(bcast, 64).data(), 64) == NetPort::Rx::kTaken);
  CHECK(r.nic.receive(frame_to(mcast, 64).data(), 64) == NetPort::Rx::kDropped);
  // MTA bit for 01:00:5e:00:00:fb with MO = 0: hash = (0x00 >> 4) | (0xFB << 4) = 0xFB0.
  r.wr(kMta + 4 * (0xFB0 >> 5), 1u << (0xFB0 & 31));
  CHECK(r.nic.receive(frame_to(mcast, 64).data(), 64) == NetPort::Rx::kTaken);
  r.wr(kRctl, r.rd(kRctl) | kRctlUpe);
  CHECK(r.nic.receive(frame_to(other, 64).data(), 64) == NetPort::Rx::kTaken);
  r.wr(kRctl, r.rd(kRctl) & ~kRctlUpe);
  r.wr(kRa + 8, 0x00000002);  // RAL1/RAH1 = 02:00:00:00:00:09
  r.wr(kRa + 12, 0x0900 | kRahAv);
  CHECK(r.nic.receive(frame_to(other, 64).data(), 64) == NetPort::Rx::kTaken);
  CHECK(r.nic.receive(frame_to(other, 2000).data(), 2000) == NetPort::Rx::kDropped);  // no LPE
}

TEST(rx_checksum_offload_reports_good_and_bad) {
  Rig r;
  r.rx_setup(8);
  r.wr(kRxcsum, kRxcsumIpofl | kRxcsumTuofl);
  auto p = ip_packet(true, 40);
  std::memcpy(p.data(), kMac, 6);
  uint16_t ipc = inet_checksum(p.data() + 14, 20);
  p[24] = static_cast<uint8_t>(ipc >> 8);
  p[25] = static_cast<uint8_t>(ipc);
  uint32_t s = inet_sum(p.data() + 26, 8) + 6 + 60;
  uint16_t tc = inet_fold(inet_sum(p.data() + 34, 60, s));
  p[50] = static_cast<uint8_t>(tc >> 8);
  p[51] = static_cast<uint8_t>(tc);
  CHECK(r.nic.receive(p.data(), p.size()) == NetPort::Rx::kTaken);
  uint8_t d[16];
  r.mem.read(kRxRing, d, 16);
  CHECK_EQ(d[12] & (kRxStatIpcs | kRxStatTcpcs | kRxStatIxsm), kRxStatIpcs | kRxStatTcpcs);
  CHECK_EQ(d[13], 0);
  p[60] ^= 1;
  CHECK(r.nic.receive(p.data(), p.size()) == NetPort::Rx::kTaken);
  r.mem.read(kRxRing + 16, d, 16);
  CHECK_EQ(d[13], kRxErrTcpe);
}

TEST(itr_throttles_the_interrupt_line) {
  Rig r;
  r.wr(kIms, kIntTxdw);
  r.wr(kItr, 1000);  // 256 us
  r.wr(kIcs, kIntTxdw);
  CHECK(r.irq.level);
  CHECK_EQ(r.irq.raises, 1);
  r.rd(kIcr);
  CHECK(!r.irq.level);
  r.clock.now += 100000;
  r.wr(kIcs, kIntTxdw);
  CHECK(!r.irq.level);  // inside the window
  CHECK_EQ(r.clock.armed, 1000000 + 256000ull);
  r.clock.now = r.clock.armed;
  r.nic.timer();
  CHECK(r.irq.level);
  CHECK_EQ(r.irq.raises, 2);
}

TEST(ctrl_rst_restores_defaults_and_station_address) {
  Rig r;
  r.wr(kRa, 0);
  r.wr(kRa + 4, 0);
  r.wr(kIms, 0xFFFF);
  r.rx_setup(8);
  r.wr(kCtrl, r.rd(kCtrl) | kCtrlRst);
  CHECK(!(r.rd(kCtrl) & kCtrlRst));
  CHECK_EQ(r.rd(kRa), 0x12290C00u);
  CHECK_EQ(r.rd(kRa + 4), 0x5634u | kRahAv);
  CHECK_EQ(r.rd(kIms), 0u);
  CHECK_EQ(r.rd(kRctl), 0u);
  CHECK_EQ(r.rd(kRdlen), 0u);
  CHECK(r.rd(kStatus) & kStatusLu);
}

TEST(io_bar_reaches_registers) {
  Rig r;
  uint8_t b[4];
  put_le32(b, kStatus);
  r.pio.write(kIoBar, b, 4, r.vcpu);
  r.pio.read(kIoBar + 4, b, 4, r.vcpu);
  CHECK(le32(b) & kStatusLu);
  put_le32(b, kIms);
  r.pio.write(kIoBar, b, 4, r.vcpu);
  put_le32(b, kIntRxt0);
  r.pio.write(kIoBar + 4, b, 4, r.vcpu);
  CHECK_EQ(r.rd(kIms), kIntRxt0);
}

TEST(hostile_rings_lengths_and_addresses) {
  Rig r;
  // Head and tail past the ring, a ring outside RAM, a huge length: nothing is sent,
  // nothing crashes, every call returns.
  r.tx_setup(8);
  r.wr(kTdt, 0xFFFF);
  CHECK_EQ(r.wire.sent.size(), size_t{0});
  r.wr(kTdbal, 0xFFFF0000);
  r.wr(kTdbah, 0x7);
  r.wr(kTdlen, 0xFFFFFFFF);
  r.wr(kTdh, 0);
  r.wr(kTdt, 100);
  CHECK_EQ(r.wire.sent.size(), size_t{0});
  // Descriptors of a huge length or with buffers outside RAM drop their packet.
  r.tx_setup(8);
  uint8_t d[16]{};
  put_le64(d, 0x7FFFFFFF000ull);
  put_le16(d + 8, 1500);
  d[11] = kTxCmdEop | kTxCmdRs;
  r.mem.write(kTxRing, d, 16);
  put_le64(d, kBufs);
  put_le32(d + 8, uint32_t(kTxCmdDext | kTxCmdEop) << 24 | kDtypData << 20 | 0xFFFFF);
  r.mem.write(kTxRing + 16, d, 16);
  r.wr(kTdt, 2);
  CHECK_EQ(r.wire.sent.size(), size_t{0});
  CHECK_EQ(r.rd(kTdh), 2u);
  // A ring of zero-length descriptors without EOP, TDT chasing TDH: bounded.
  std::memset(d, 0, sizeof d);
  for (int i = 0; i < 8; ++i) r.mem.write(kTxRing + i * 16ull, d, 16);
  r.wr(kTdt, 1);
  CHECK_EQ(r.rd(kTdh), 1u);
  // Receive into buffers outside RAM: the descriptor is completed with RXE.
  r.rx_setup(8);
  put_le64(d, 0x7FFFFFFF000ull);
  r.mem.write(kRxRing, d, 8);
  auto f = frame_to(kMac, 100);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kTaken);
  uint8_t rd16[16];
  r.mem.read(kRxRing, rd16, 16);
  CHECK(rd16[13] & kRxErrRxe);
  // Without bus mastering nothing is read or written.
  r.nic.set_command(PciDevice::kCmdMemory);
  CHECK(r.nic.receive(f.data(), f.size()) == NetPort::Rx::kDropped);
}

TEST(rx_vlan_tag_stripped_with_vme_and_filtered_with_vfe) {
  Rig r;
  r.rx_setup(8);
  r.wr(kCtrl, r.rd(kCtrl) | kCtrlVme);
  auto f = frame_to(kMac, 100);
  std::vector<uint8_t> tagged(f.begin(), f.begin() + 12);
  const uint8_t tag[4] = {0x81, 0x00, 0x30, 0x07};  // PCP 1, VLAN 7
  tagged.insert(tagged.end(), tag, tag + 4);
  tagged.insert(tagged.end(), f.begin() + 12, f.end());
  CHECK(r.nic.receive(tagged.data(), tagged.size()) == NetPort::Rx::kTaken);
  uint8_t d[16];
  r.mem.read(kRxRing, d, 16);
  CHECK(d[12] & kRxStatVp);
  CHECK_EQ(le16(d + 14), 0x3007);
  CHECK_EQ(le16(d + 8), 100);  // the tag is gone from the buffer
  std::vector<uint8_t> got(100);
  r.mem.read(kRxBufs, got.data(), got.size());
  CHECK(got == f);
  // VFE: VLAN 7 is not in VFTA, the frame is filtered; with its bit set it passes.
  r.wr(kRctl, r.rd(kRctl) | kRctlVfe);
  CHECK(r.nic.receive(tagged.data(), tagged.size()) == NetPort::Rx::kDropped);
  r.wr(kVfta, 1u << 7);
  CHECK(r.nic.receive(tagged.data(), tagged.size()) == NetPort::Rx::kTaken);
}

TEST(tx_tso_ipv6_sets_payload_length) {
  Rig r;
  r.tx_setup();
  // Ethernet + IPv6 (40) + TCP (20), 1500 bytes of payload, MSS 600: 600, 600, 300.
  const size_t hdr = 14 + 40 + 20, payload = 1500, mss = 600;
  std::vector<uint8_t> p(hdr + payload, 0);
  std::memcpy(p.data(), "\x02\x00\x00\x00\x00\x02\x00\x0c\x29\x12\x34\x56\x86\xdd", 14);
  p[14] = 0x60;
  p[14 + 6] = 6;  // next header TCP
  p[14 + 7] = 64;
  p[14 + 40 + 12] = 0x50;
  p[14 + 40 + 13] = 0x18;
  r.mem.write(kBufs, p.data(), p.size());
  uint8_t ctx[16]{};
  ctx[0] = 14;
  ctx[4] = 54;
  ctx[5] = 54 + 16;
  put_le32(ctx + 8, uint32_t(kTxCmdDext | kTxCmdTse | kTucmdTcp) << 24 | kDtypContext << 20 | payload);
  ctx[13] = hdr;
  put_le16(ctx + 14, mss);
  uint8_t d[16]{};
  put_le64(d, kBufs);
  put_le32(d + 8, uint32_t(kTxCmdDext | kTxCmdTse | kTxCmdEop | kTxCmdRs) << 24 | kDtypData << 20 | static_cast<uint32_t>(p.size()));
  r.mem.write(kTxRing, ctx, 16);
  r.mem.write(kTxRing + 16, d, 16);
  r.wr(kTdt, 2);
  CHECK_EQ(r.wire.sent.size(), size_t{3});
  const size_t lens[3] = {600, 600, 300};
  for (size_t i = 0; i < r.wire.sent.size() && i < 3; ++i) {
    const auto& f = r.wire.sent[i];
    CHECK_EQ(f.size(), hdr + lens[i]);
    CHECK_EQ(size_t{f[18]} << 8 | f[19], 20 + lens[i]);  // IPv6 payload length
  }
}
