// The e1000 model and FrameStream against the real passt (Debian package `passt`,
// started with --fd on a socket pair as the VM host starts it), driven through BAR 0 as
// a guest driver would, with guest memory in a GuestMemory (no vCPU: the layer below
// KVM). DHCPDISCOVER gets passt's OFFER, ARP for the router gets passt's proxy answer,
// a burst of 24 DISCOVERs laps both 8-descriptor rings three times and every OFFER comes
// back, and a TCP port forward (passt -t) reaches a listener behind the NIC.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "core/le_bytes.h"
#include "devices/net/e1000.h"
#include "devices/net/e1000_regs.h"
#include "devices/net/frame_stream.h"
#include "devices/net/inet_checksum.h"
#include "fake_irq.h"
#include "fake_vcpu.h"
#include "passt_fixture.h"

using namespace vireo;
using namespace vireo::e1000;

namespace {

constexpr uint64_t kBar = 0xFE000000, kTxRing = 0x10000, kRxRing = 0x11000, kTxBufs = 0x20000,
                   kRxBufs = 0x40000;
constexpr unsigned kDescs = 8;
constexpr uint16_t kForwardHostPort = 47611, kForwardGuestPort = 8080;
const uint8_t kMac[6] = {0x00, 0x0C, 0x29, 0xAB, 0xCD, 0x01};

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
void put_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

struct Driver {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  FrameStream stream;
  E1000Identity id;
  std::unique_ptr<E1000> nic;
  vireo_test::Passt passt;
  unsigned tx_tail = 0, rx_next = 0;
  uint32_t my_ip = 0, router = 0;
  uint8_t router_mac[6]{};

  bool up() {
    mem.add_region(0, 1 << 20, false);
    std::memcpy(id.mac.data(), kMac, 6);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return false;
    if (!stream.init(sv[0]).ok()) return false;
    nic = std::make_unique<E1000>("e1000", PciResources{&pio, &mmio, nullptr}, irq, 6, mem, id, &stream, stream);
    nic->assign_bar(0, static_cast<uint32_t>(kBar));
    nic->set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
    std::string fwd = std::to_string(kForwardHostPort) + ":" + std::to_string(kForwardGuestPort);
    if (!passt.start(sv[1], {"-t", fwd})) return false;
    close(sv[1]);
    stream.start(nic.get());
    wr(kCtrl, rd(kCtrl) | kCtrlRst);
    for (unsigned i = 0; i < kDescs; ++i) {
      uint8_t d[16]{};
      put_le64(d, kRxBufs + i * 0x800ull);
      mem.write(kRxRing + 16ull * i, d, 16);
    }
    wr(kRdbal, static_cast<uint32_t>(kRxRing));
    wr(kRdlen, kDescs * 16);
    wr(kRdt, kDescs - 1);
    wr(kTdbal, static_cast<uint32_t>(kTxRing));
    wr(kTdlen, kDescs * 16);
    wr(kRctl, kRctlEn | kRctlBam | kRctlSecrc);
    wr(kTctl, kTctlEn);
    return rd(kStatus) & kStatusLu;
  }
  ~Driver() { stream.stop(); }
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
  bool send(const std::vector<uint8_t>& f) {
    for (int i = 0; i < 1000; ++i) {
      uint8_t d[16];
      mem.read(kTxRing + 16ull * tx_tail, d, 16);
      if (!le64(d) || (d[12] & kTxStaDd)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    uint64_t buf = kTxBufs + tx_tail * 0x800ull;
    mem.write(buf, f.data(), f.size());
    uint8_t d[16]{};
    put_le64(d, buf);
    put_le16(d + 8, static_cast<uint16_t>(f.size()));
    d[11] = kTxCmdEop | kTxCmdIfcs | kTxCmdRs;
    mem.write(kTxRing + 16ull * tx_tail, d, 16);
    tx_tail = (tx_tail + 1) % kDescs;
    wr(kTdt, tx_tail);
    return true;
  }
  // The next frame within `ms` (the descriptor goes back to the NIC).
  bool receive(std::vector<uint8_t>* out, int ms) {
    for (int i = 0; i < ms; ++i) {
      uint8_t d[16];
      mem.read(kRxRing + 16ull * rx_next, d, 16);
      if (d[12] & kRxStatDd) {
        out->resize(le16(d + 8));
        mem.read(le64(d), out->data(), out->size());
        d[12] = 0;
        mem.write(kRxRing + 16ull * rx_next, d, 16);
        wr(kRdt, rx_next);
        rx_next = (rx_next + 1) % kDescs;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  std::vector<uint8_t> ipv4(const uint8_t* dst_mac, uint32_t src, uint32_t dst, uint8_t proto,
                            const std::vector<uint8_t>& l4) {
    std::vector<uint8_t> f(14 + 20);
    std::memcpy(f.data(), dst_mac, 6);
    std::memcpy(f.data() + 6, kMac, 6);
    put_be16(f.data() + 12, 0x0800);
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    put_be16(ip + 2, static_cast<uint16_t>(20 + l4.size()));
    ip[8] = 64;
    ip[9] = proto;
    put_be32(ip + 12, src);
    put_be32(ip + 16, dst);
    put_be16(ip + 10, inet_checksum(ip, 20));
    f.insert(f.end(), l4.begin(), l4.end());
    return f;
  }
  std::vector<uint8_t> discover(uint32_t xid) {
    std::vector<uint8_t> u(8 + 244, 0);
    uint8_t* b = u.data() + 8;
    b[0] = 1, b[1] = 1, b[2] = 6;
    put_be32(b + 4, xid);
    b[10] = 0x80;
    std::memcpy(b + 28, kMac, 6);
    const uint8_t tail[] = {99, 130, 83, 99, 53, 1, 1, 255};
    std::memcpy(b + 236, tail, sizeof tail);
    put_be16(u.data(), 68);
    put_be16(u.data() + 2, 67);
    put_be16(u.data() + 4, static_cast<uint16_t>(u.size()));
    const uint8_t bcast[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    return ipv4(bcast, 0, 0xFFFFFFFF, 17, u);
  }
  // An OFFER for xid: yiaddr and the router option.
  bool offer(const std::vector<uint8_t>& f, uint32_t xid, uint32_t* yi, uint32_t* rt) {
    if (f.size() < 42 + 240 || be16(f.data() + 12) != 0x0800 || f[23] != 17 || be16(f.data() + 36) != 68) return false;
    const uint8_t* b = f.data() + 42;
    if (b[0] != 2 || be32(b + 4) != xid) return false;
    *yi = be32(b + 16);
    int type = 0;
    for (size_t i = 240; i + 1 < f.size() - 42 && b[i] != 255;) {
      if (b[i] == 0) { ++i; continue; }
      size_t l = b[i + 1];
      if (i + 2 + l > f.size() - 42) break;
      if (b[i] == 53 && l == 1) type = b[i + 2];
      if (b[i] == 3 && l >= 4) *rt = be32(b + i + 2);
      i += 2 + l;
    }
    return type == 2;
  }
};

uint16_t tcp_checksum(uint32_t src, uint32_t dst, const std::vector<uint8_t>& seg) {
  uint8_t ph[12];
  put_be32(ph, src);
  put_be32(ph + 4, dst);
  ph[8] = 0;
  ph[9] = 6;
  put_be16(ph + 10, static_cast<uint16_t>(seg.size()));
  return inet_fold(inet_sum(seg.data(), seg.size(), inet_sum(ph, 12)));
}

}  // namespace

TEST(dhcp_arp_burst_and_port_forward_through_passt) {
  if (!vireo_test::have_passt()) {
    std::fprintf(stderr, "  passt is not installed: apt install passt (Debian package passt)\n");
    CHECK(vireo_test::have_passt());
    return;
  }
  Driver d;
  CHECK(d.up());
  // DHCP.
  const uint32_t xid = 0x56495245;
  d.send(d.discover(xid));
  std::vector<uint8_t> f;
  bool got = false;
  while (!got && d.receive(&f, 3000)) got = d.offer(f, xid, &d.my_ip, &d.router);
  CHECK(got);
  CHECK(d.my_ip != 0);
  CHECK(d.router != 0);
  std::fprintf(stderr, "  OFFER %s", inet_ntoa(in_addr{htonl(d.my_ip)}));
  std::fprintf(stderr, " router %s\n", inet_ntoa(in_addr{htonl(d.router)}));
  // ARP for the router.
  std::vector<uint8_t> arp(42, 0);
  std::memset(arp.data(), 0xFF, 6);
  std::memcpy(arp.data() + 6, kMac, 6);
  put_be16(arp.data() + 12, 0x0806);
  put_be16(arp.data() + 14, 1);
  put_be16(arp.data() + 16, 0x0800);
  arp[18] = 6, arp[19] = 4;
  put_be16(arp.data() + 20, 1);
  std::memcpy(arp.data() + 22, kMac, 6);
  put_be32(arp.data() + 28, d.my_ip);
  put_be32(arp.data() + 38, d.router);
  d.send(arp);
  got = false;
  while (!got && d.receive(&f, 3000))
    got = f.size() >= 42 && be16(f.data() + 12) == 0x0806 && be16(f.data() + 20) == 2 && be32(f.data() + 28) == d.router;
  CHECK(got);
  std::memcpy(d.router_mac, f.data() + 22, 6);
  // Burst: 48 ARP requests (six laps of each 8-descriptor ring), every reply arrives
  // (no drops: the stream holds frames while the ring is full). passt's ARP proxy
  // answers each one; its DHCP server answers only about half of back-to-back
  // DISCOVERs (measured: 12 of 24), so DHCP is not the burst.
  d.rd(E1000Stats::kGprc);
  d.rd(E1000Stats::kGptc);
  const unsigned burst = 48;
  for (unsigned n = 0; n < burst; ++n) {
    put_be32(arp.data() + 38, (d.router & 0xFFFFFF00u) | (10 + n));
    d.send(arp);
  }
  uint64_t mask = 0;
  unsigned replies = 0;
  while (replies < burst && d.receive(&f, 3000)) {
    if (f.size() < 42 || be16(f.data() + 12) != 0x0806 || be16(f.data() + 20) != 2) continue;
    unsigned n = (be32(f.data() + 28) & 0xFF) - 10;
    if (n < burst && !(mask >> n & 1)) mask |= uint64_t{1} << n, ++replies;
  }
  CHECK_EQ(replies, burst);
  CHECK_EQ(d.rd(E1000Stats::kGptc), burst);
  CHECK(d.rd(E1000Stats::kGprc) >= burst);
  // Port forward: the host connects to 127.0.0.1:kForwardHostPort; passt opens the
  // connection to the guest's port; this side answers the SYN and sends a line.
  std::string line;
  std::thread host([&] {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kForwardHostPort);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      char buf[64];
      ssize_t n = recv(s, buf, sizeof buf, 0);
      if (n > 0) line.assign(buf, static_cast<size_t>(n));
    }
    close(s);
  });
  bool answered = false;
  for (int tries = 0; tries < 20 && !answered && d.receive(&f, 2000); ++tries) {
    if (f.size() < 54 || be16(f.data() + 12) != 0x0800 || f[23] != 6) continue;
    const uint8_t* ip = f.data() + 14;
    const uint8_t* t = ip + (ip[0] & 15) * 4;
    if (be16(t + 2) != kForwardGuestPort || !(t[13] & 0x02)) continue;  // SYN to the guest port
    uint32_t peer = be32(ip + 12), seq = be32(t + 4);

    const char msg[] = "hello from behind the e1000\n";
    std::vector<uint8_t> seg(20, 0);
    put_be16(seg.data(), kForwardGuestPort);
    std::memcpy(seg.data() + 2, t, 2);
    put_be32(seg.data() + 4, 1000);
    put_be32(seg.data() + 8, seq + 1);
    seg[12] = 0x50;
    seg[13] = 0x12;  // SYN ACK
    put_be16(seg.data() + 14, 65535);
    put_be16(seg.data() + 16, tcp_checksum(d.my_ip, peer, seg));
    d.send(d.ipv4(f.data() + 6, d.my_ip, peer, 6, seg));
    std::vector<uint8_t> data(20, 0);
    std::memcpy(data.data(), seg.data(), 4);
    put_be32(data.data() + 4, 1001);
    put_be32(data.data() + 8, seq + 1);
    data[12] = 0x50;
    data[13] = 0x18;  // PSH ACK
    put_be16(data.data() + 14, 65535);
    data.insert(data.end(), msg, msg + sizeof msg - 1);
    put_be16(data.data() + 16, tcp_checksum(d.my_ip, peer, data));
    d.send(d.ipv4(f.data() + 6, d.my_ip, peer, 6, data));
    answered = true;
  }
  host.join();
  CHECK(answered);
  CHECK(line == "hello from behind the e1000\n");
}
