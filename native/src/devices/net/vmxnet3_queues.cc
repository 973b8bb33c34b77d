#include "devices/net/vmxnet3_queues.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"
#include "devices/net/inet_checksum.h"
#include "devices/net/tcp_segment.h"
#include "devices/net/vmxnet3_layout.h"

namespace vireo {

using namespace vmxnet3;

namespace {

constexpr size_t kMaxPacket = 256 * 1024;  // one TSO packet: header + 64 KiB payload, with room

bool ring_ok(uint64_t pa, uint32_t size) { return pa && size && size <= kMaxRing && !(pa & 0xF); }

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

bool Vmxnet3Queues::configure(const uint8_t* tq, const uint8_t* rq) {
  clear();
  tx_ = {le64(tq + kTqRingPa), le32(tq + kTqRingSize), 0, true};
  tx_comp_ = {le64(tq + kTqCompPa), le32(tq + kTqCompSize), 0, true};
  rx_ = {le64(rq + kRqRingPa0), le32(rq + kRqRingSize0), 0, true};
  rx_comp_ = {le64(rq + kRqCompPa), le32(rq + kRqCompSize), 0, true};
  tx_intr_ = tq[kTqIntr];
  rx_intr_ = rq[kRqIntr];
  active_ = ring_ok(tx_.pa, tx_.size) && ring_ok(tx_comp_.pa, tx_comp_.size) && ring_ok(rx_.pa, rx_.size) &&
            ring_ok(rx_comp_.pa, rx_comp_.size);
  return active_;
}

void Vmxnet3Queues::emit(std::vector<uint8_t>& frame, FrameSink& sink) {
  if (frame.size() < 14) return;
  if (sink.send_frame(frame.data(), frame.size())) {
    ++tx_frames;
    tx_bytes += frame.size();
  }
}

// The offload of the packet's first descriptor: om/hlen in dword 3, msscof in dword 2.
// Checksum (om 2): the ones' complement sum from hlen to the end goes to offset msscof.
// TSO (om 3): hlen bytes of Ethernet/IPv4-or-IPv6/TCP header, MSS msscof.
bool Vmxnet3Queues::finish_packet(FrameSink& sink, uint32_t dw3, uint32_t msscof) {
  unsigned om = (dw3 >> 10) & 3, hlen = dw3 & 0x3FF;
  if (dw3 & kTxTi) {  // VLAN tag insertion: tci in dword 3 bits 31:16
    uint8_t tag[4] = {0x81, 0x00, static_cast<uint8_t>(dw3 >> 24), static_cast<uint8_t>(dw3 >> 16)};
    if (packet_.size() >= 12) packet_.insert(packet_.begin() + 12, tag, tag + 4);
    if (om != kOmNone) hlen += 4, msscof += om == kOmCsum ? 4 : 0;
  }
  if (om == kOmCsum) {
    if (msscof + 2 <= packet_.size() && hlen < msscof) insert_checksum(packet_, hlen, 0, msscof);
    emit(packet_, sink);
    return true;
  }
  if (om == kOmTso) {
    SegmentPlan plan;
    plan.hdr_len = hlen;
    plan.mss = msscof;
    size_t l2 = packet_.size() >= 18 && be16(packet_.data() + 12) == 0x8100 ? 18 : 14;
    if (packet_.size() < l2 + 20) return false;
    uint16_t type = be16(packet_.data() + l2 - 2);
    plan.ip_offset = l2;
    plan.ipv4 = type == 0x0800;
    if (!plan.ipv4 && type != 0x86DD) return false;
    plan.l4_offset = l2 + (plan.ipv4 ? (packet_[l2] & 0xF) * 4u : 40u);
    plan.tcp = true;
    return tcp_segment(packet_, plan, [&](std::vector<uint8_t>& f) { emit(f, sink); });
  }
  emit(packet_, sink);
  return true;
}

bool Vmxnet3Queues::transmit(const GuestMemory& mem, FrameSink& sink, bool* blocked) {
  *blocked = false;
  if (!active_) return false;
  bool completed = false;
  for (uint32_t budget = tx_.size; budget; --budget) {
    uint8_t d[kDescSize];
    uint64_t at = tx_.pa + uint64_t{tx_.next} * kDescSize;
    if (!mem.read(at, d, sizeof d)) break;
    uint32_t dw2 = le32(d + 8), dw3 = le32(d + 12);
    if (((dw2 & kTxGen) != 0) != tx_.gen) break;  // still the driver's
    if (!in_packet_) {
      if (!sink.can_send()) {
        *blocked = true;
        break;
      }
      in_packet_ = true;
      bad_ = false;
      packet_.clear();
      first_dw3_ = dw3;
      first_msscof_ = dw2 >> 18;
    }
    uint32_t len = dw2 & 0x3FFF;
    if (len == 0) len = 16384;
    if (!bad_) {
      if (packet_.size() + len > kMaxPacket) {
        bad_ = true;
      } else {
        size_t was = packet_.size();
        packet_.resize(was + len);
        if (!mem.read(le64(d), packet_.data() + was, len)) bad_ = true;
      }
    }
    uint32_t index = tx_.next;
    tx_.advance();
    if (!(dw3 & kTxEop)) continue;
    if (!bad_) finish_packet(sink, first_dw3_, first_msscof_);
    in_packet_ = false;
    packet_.clear();
    if (dw3 & kTxCq) {
      uint8_t c[kDescSize]{};
      put_le32(c, index);
      put_le32(c + 12, tx_comp_.gen ? 1u << 31 : 0);
      // The dword with the gen bit last: the driver must not see a half-written entry.
      uint64_t cat = tx_comp_.pa + uint64_t{tx_comp_.next} * kDescSize;
      mem.write(cat, c, 12);
      mem.write(cat + 12, c + 12, 4);
      tx_comp_.advance();
      completed = true;
    }
  }
  return completed;
}

bool Vmxnet3Queues::rx_has_buffer(const GuestMemory& mem) const {
  if (!active_) return false;
  uint8_t d[kDescSize];
  if (!mem.read(rx_.pa + uint64_t{rx_.next} * kDescSize, d, sizeof d)) return false;
  return ((le32(d + 8) & kRxGen) != 0) == rx_.gen;
}

// Receive checksum (UPT feature RXCSUM): IPv4 header and TCP/UDP checksums verified,
// reported as v4 | ipc | tcp/udp | tuc; anything else as "checksum not calculated".
static uint32_t rx_checksum_flags(const uint8_t* f, size_t n) {
  if (n < 34 || be16(f + 12) != 0x0800) return kRcCnc;
  const uint8_t* ip = f + 14;
  size_t ihl = (ip[0] & 0xF) * 4u, total = be16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < 20 || 14 + ihl > n || total < ihl || 14 + total > n) return kRcCnc;
  uint32_t flags = kRcV4 | (inet_checksum(ip, ihl) == 0 ? kRcIpc : 0);
  bool fragment = (be16(ip + 6) & 0x3FFF) != 0;
  uint8_t proto = ip[9];
  size_t l4_len = total - ihl;
  if (fragment || (proto != 6 && proto != 17) || l4_len < (proto == 6 ? 20u : 8u)) return flags;
  flags |= proto == 6 ? kRcTcp : kRcUdp;
  uint32_t sum = inet_sum(ip + 12, 8) + proto + static_cast<uint32_t>(l4_len);
  if ((proto == 17 && be16(ip + ihl + 6) == 0) || inet_fold(inet_sum(ip + ihl, l4_len, sum)) == 0) flags |= kRcTuc;
  return flags;
}

NetPort::Rx Vmxnet3Queues::receive(const uint8_t* frame, size_t len, const GuestMemory& mem, bool rx_csum) {
  if (!active_) return NetPort::Rx::kDropped;
  uint8_t d[kDescSize];
  uint64_t at = rx_.pa + uint64_t{rx_.next} * kDescSize;
  if (!mem.read(at, d, sizeof d) || ((le32(d + 8) & kRxGen) != 0) != rx_.gen) return NetPort::Rx::kNoBuffers;
  uint32_t buf_len = le32(d + 8) & 0x3FFF;
  uint32_t index = rx_.next;
  rx_.advance();
  uint8_t pad[60]{};
  if (len < 60) {  // short frames are padded to the Ethernet minimum
    std::memcpy(pad, frame, len);
    frame = pad;
    len = 60;
  }
  uint32_t err = 0;
  if (len > buf_len) {
    ++rx_dropped;
    err = 1u << 14;  // the buffer is consumed, the completion says error
    len = 0;
  } else if (!mem.write(le64(d), frame, len)) {
    err = 1u << 14;
  }
  uint8_t c[kDescSize]{};
  put_le32(c, index | kRcEop | kRcSop);  // rqID 0: ring 0 of queue 0
  put_le32(c + 8, static_cast<uint32_t>(len) | err);
  uint32_t flags = kRcTypeRx | (rx_comp_.gen ? kRcGen : 0) | (rx_csum && !err ? rx_checksum_flags(frame, len) : kRcCnc);
  put_le32(c + 12, flags);
  uint64_t cat = rx_comp_.pa + uint64_t{rx_comp_.next} * kDescSize;
  mem.write(cat, c, 12);  // the gen dword last
  mem.write(cat + 12, c + 12, 4);
  rx_comp_.advance();
  if (!err) {
    ++rx_frames;
    rx_bytes += len;
  }
  return NetPort::Rx::kTaken;
}

}  // namespace vireo
