#include "devices/net/e1000_rx.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"
#include "devices/net/e1000_regs.h"
#include "devices/net/inet_checksum.h"

namespace vireo {

using namespace e1000;

namespace {

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// RCTL.BSIZE with BSEX (manual 13.4.22): 2048/1024/512/256, or x16 with BSEX (BSIZE 00
// with BSEX is reserved; taken as 2048).
uint32_t buffer_size(uint32_t rctl) {
  unsigned bsize = (rctl >> kRctlBsizeShift) & 3;
  if (rctl & kRctlBsex) {
    if (bsize == 0) return 2048;
    return 16384u >> (bsize - 1);
  }
  return 2048u >> bsize;
}

}  // namespace

bool E1000Rx::has_buffers() const {
  uint32_t n = count();
  return n && ring_.head < n && ring_.tail < n && ring_.head != ring_.tail;
}

// Receive checksum offload on the frame in frame_ (without FCS): IPv4 only on the 82545EM.
void E1000Rx::checksum_offload(const Config& cfg, uint8_t* status, uint8_t* errors) const {
  const uint8_t* f = frame_.data();
  size_t n = frame_.size();
  if (!(cfg.rxcsum & (kRxcsumIpofl | kRxcsumTuofl)) || n < 14 + 20 || be16(f + 12) != 0x0800) {
    *status |= kRxStatIxsm;
    return;
  }
  const uint8_t* ip = f + 14;
  size_t ihl = (ip[0] & 0xF) * 4u;
  size_t total = be16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < 20 || 14 + ihl > n || total < ihl || 14 + total > n) {
    *status |= kRxStatIxsm;
    return;
  }
  if (cfg.rxcsum & kRxcsumIpofl) {
    *status |= kRxStatIpcs;
    if (inet_checksum(ip, ihl) != 0) *errors |= kRxErrIpe;
  }
  bool fragment = (be16(ip + 6) & 0x3FFF) != 0;  // MF or a fragment offset
  uint8_t proto = ip[9];
  if (!(cfg.rxcsum & kRxcsumTuofl) || fragment || (proto != 6 && proto != 17)) return;
  const uint8_t* l4 = ip + ihl;
  size_t l4_len = total - ihl;
  if (l4_len < (proto == 6 ? 20u : 8u)) return;
  if (proto == 17 && be16(l4 + 6) == 0) return;  // UDP without checksum
  uint32_t sum = inet_sum(ip + 12, 8);           // source and destination addresses
  sum += proto;
  sum += static_cast<uint32_t>(l4_len);
  sum = inet_sum(l4, l4_len, sum);
  *status |= kRxStatTcpcs;
  if (inet_fold(sum) != 0) *errors |= kRxErrTcpe;
}

NetPort::Rx E1000Rx::receive(const uint8_t* data, size_t len, const GuestMemory& mem, const Config& cfg,
                             const E1000Filter& filter, E1000Stats& stats, uint32_t* causes) {
  *causes = 0;
  if (!(cfg.rctl & kRctlEn) || len < 14) return NetPort::Rx::kDropped;
  size_t limit = (cfg.rctl & kRctlLpe) ? kMaxFrame : kMaxStandard;
  if (len > limit) {
    stats.count(E1000Stats::kRoc);
    return NetPort::Rx::kDropped;
  }
  bool tagged = be16(data + 12) == cfg.vet && len >= 18;
  int vid = tagged ? (be16(data + 14) & 0xFFF) : -1;
  if (!filter.accept(data, cfg.rctl, vid)) return NetPort::Rx::kDropped;

  uint32_t n = count();
  if (!n || ring_.head >= n || ring_.tail >= n) return NetPort::Rx::kNoBuffers;
  uint32_t bufsize = buffer_size(cfg.rctl);
  bool strip = tagged && cfg.vlan;
  size_t body = len - (strip ? 4 : 0);
  size_t padded = std::max<size_t>(body, 60);  // short frames are padded to the minimum
  size_t total = padded + ((cfg.rctl & kRctlSecrc) ? 0 : 4);
  uint32_t need = static_cast<uint32_t>((total + bufsize - 1) / bufsize);
  uint32_t free_descs = (ring_.tail + n - ring_.head) % n;
  if (free_descs < need) {
    stats.count(E1000Stats::kRnbc);
    return NetPort::Rx::kNoBuffers;
  }

  frame_.assign(data, data + 12);
  frame_.insert(frame_.end(), data + (strip ? 16 : 12), data + len);
  frame_.resize(padded, 0);
  uint8_t status = kRxStatEop, errors = 0;
  checksum_offload(cfg, &status, &errors);
  // The packet checksum (manual 3.2.3): ones' complement sum of the frame from
  // RXCSUM.PCSS on, before the FCS.
  size_t pcss = cfg.rxcsum & 0xFF;
  uint16_t packet_sum =
      pcss < frame_.size() ? static_cast<uint16_t>(~inet_checksum(frame_.data() + pcss, frame_.size() - pcss)) : 0;
  if (!(cfg.rctl & kRctlSecrc)) {
    uint32_t crc = ethernet_crc32(frame_.data(), frame_.size());
    uint8_t fcs[4];
    put_le32(fcs, crc);
    frame_.insert(frame_.end(), fcs, fcs + 4);
  }
  uint16_t special = strip ? be16(data + 14) : 0;
  if (strip) status |= kRxStatVp;

  uint64_t base = (uint64_t{ring_.bah} << 32) | (ring_.bal & ~0xFu);
  size_t off = 0;
  for (uint32_t i = 0; i < need; ++i) {
    uint64_t at = base + uint64_t{ring_.head} * kDescSize;
    uint8_t d[kDescSize];
    uint8_t desc_errors = 0;
    size_t chunk = std::min<size_t>(bufsize, frame_.size() - off);
    if (!mem.read(at, d, sizeof d)) {
      desc_errors = kRxErrRxe;  // the ring itself lies outside RAM: nothing to write
    } else {
      uint64_t buf = le64(d);
      // A null buffer address: the descriptor is consumed without data (as QEMU does).
      if (buf && !mem.write(buf, frame_.data() + off, chunk)) desc_errors = kRxErrRxe;
      bool last = i + 1 == need;
      uint8_t wb[8];
      put_le16(wb, static_cast<uint16_t>(chunk));
      put_le16(wb + 2, last ? packet_sum : 0);
      wb[4] = static_cast<uint8_t>(kRxStatDd | (last ? status : 0));
      wb[5] = static_cast<uint8_t>(desc_errors | (last ? errors : 0));
      put_le16(wb + 6, special);
      mem.write(at + 8, wb, sizeof wb);
    }
    off += chunk;
    ring_.head = (ring_.head + 1) % n;
  }
  E1000Filter::Kind k = E1000Filter::kind(frame_.data());
  stats.received(static_cast<uint32_t>(padded + 4), k == E1000Filter::Kind::kBroadcast,
                 k == E1000Filter::Kind::kMulticast);
  ++frames_;
  bytes_ += len;
  *causes = kIntRxt0;
  // RXDMT0: free descriptors at or below RDMTS (1/2, 1/4, 1/8 of the ring).
  unsigned rdmts = (cfg.rctl >> kRctlRdmtsShift) & 3;
  uint32_t left = (ring_.tail + n - ring_.head) % n;
  if (rdmts < 3 && left <= n >> (rdmts + 1)) *causes |= kIntRxdmt0;
  return NetPort::Rx::kTaken;
}

}  // namespace vireo
