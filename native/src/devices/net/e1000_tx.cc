#include "devices/net/e1000_tx.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"
#include "devices/net/e1000_filter.h"
#include "devices/net/e1000_regs.h"
#include "devices/net/inet_checksum.h"
#include "devices/net/tcp_segment.h"

namespace vireo {

using namespace e1000;

namespace {

void put_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

}  // namespace

void E1000Tx::reset() {
  ring_ = Ring{};
  ctx_ = tso_ctx_ = Offload{};
  packet_.clear();
  in_packet_ = bad_ = tse_ = legacy_ = false;
  popts_ = legacy_cso_ = legacy_css_ = 0;
}

// Context descriptor (manual 3.3.6): bytes 0-7 IP and TCP/UDP checksum fields, 8-11
// PAYLEN (19:0) | DTYP (23:20) | TUCMD (31:24), 12 STA, 13 HDRLEN, 14-15 MSS. A context
// with TSE set describes segmentation; one without describes plain checksum offload.
void E1000Tx::take_context(const uint8_t* d) {
  Offload o;
  o.ipcss = d[0];
  o.ipcso = d[1];
  o.ipcse = le16(d + 2);
  o.tucss = d[4];
  o.tucso = d[5];
  o.tucse = le16(d + 6);
  uint32_t w = le32(d + 8);
  o.paylen = w & 0xFFFFF;
  o.tucmd = static_cast<uint8_t>(w >> 24);
  o.hdr_len = d[13];
  o.mss = le16(d + 14);
  if (o.tucmd & kTxCmdTse) tso_ctx_ = o;
  else ctx_ = o;
}

void E1000Tx::append(const GuestMemory& mem, uint64_t addr, uint32_t len) {
  if (bad_ || len == 0) return;
  size_t limit = tse_ ? kMaxTsoPacket : kMaxPacket;
  if (packet_.size() + len > limit) {
    bad_ = true;
    return;
  }
  size_t at = packet_.size();
  packet_.resize(at + len);
  if (!mem.read(addr, packet_.data() + at, len)) bad_ = true;
}

uint32_t E1000Tx::process(const GuestMemory& mem, FrameSink& sink, const Config& cfg, E1000Stats& stats, bool* blocked) {
  *blocked = false;
  if (!(cfg.tctl & kTctlEn)) return 0;
  uint32_t count = ring_.len / kDescSize;
  if (count == 0 || ring_.head >= count || ring_.tail >= count) return 0;
  uint64_t base = (uint64_t{ring_.bah} << 32) | (ring_.bal & ~0xFu);
  uint32_t causes = 0;
  for (uint32_t budget = count; ring_.head != ring_.tail && budget; --budget) {
    if (!in_packet_ && !sink.can_send()) {
      *blocked = true;
      break;
    }
    uint64_t at = base + uint64_t{ring_.head} * kDescSize;
    uint8_t d[kDescSize];
    bool have = mem.read(at, d, sizeof d);
    if (!have) std::memset(d, 0, sizeof d);  // outside RAM: an empty legacy descriptor
    uint32_t lower = le32(d + 8);
    uint8_t cmd = static_cast<uint8_t>(lower >> 24);
    bool dext = cmd & kTxCmdDext;
    unsigned dtyp = (lower >> 20) & 0xF;
    if (dext && dtyp == kDtypContext) {
      take_context(d);
    } else if (dext && dtyp == kDtypData) {
      if (!in_packet_) {
        in_packet_ = true;
        tse_ = cmd & kTxCmdTse;
        legacy_ = false;
        popts_ = d[13];
      }
      append(mem, le64(d), lower & 0xFFFFF);
      if (cmd & kTxCmdEop) end_packet(sink, cfg, stats, cmd, le16(d + 14));
    } else if (!dext) {
      if (!in_packet_) {
        in_packet_ = true;
        tse_ = false;
        legacy_ = true;
        popts_ = 0;
      }
      append(mem, le64(d), le16(d + 8));
      if (cmd & kTxCmdEop) {
        legacy_cso_ = d[10];
        legacy_css_ = d[13];
        end_packet(sink, cfg, stats, cmd, le16(d + 14));
      }
    }
    // Other DTYP values are reserved: the descriptor is consumed without effect.
    if ((cmd & (kTxCmdRs | kTxCmdRps)) && have) {  // RPS: reported once sent, the same here
      uint8_t sta = static_cast<uint8_t>((d[12] & 0xF0) | kTxStaDd);
      mem.write(at + 12, &sta, 1);
      causes |= kIntTxdw;
    }
    ring_.head = (ring_.head + 1) % count;
  }
  if (ring_.head == ring_.tail) causes |= kIntTxqe;
  return causes;
}

void E1000Tx::end_packet(FrameSink& sink, const Config& cfg, E1000Stats& stats, uint8_t cmd, uint16_t special) {
  bool vle = cfg.vlan && (cmd & kTxCmdVle);
  if (!bad_ && !packet_.empty()) {
    if (tse_) {
      segment(sink, cfg, stats, special, vle);
    } else {
      if (legacy_ && (cmd & kTxCmdIc)) insert_checksum(packet_, legacy_css_, 0, legacy_cso_);
      if (popts_ & kPoptsTxsm) insert_checksum(packet_, ctx_.tucss, ctx_.tucse, ctx_.tucso);
      if (popts_ & kPoptsIxsm) insert_checksum(packet_, ctx_.ipcss, ctx_.ipcse, ctx_.ipcso);
      emit(packet_, sink, cfg, stats, special, vle);
    }
  }
  packet_.clear();
  in_packet_ = bad_ = tse_ = legacy_ = false;
  popts_ = 0;
}

// TCP/UDP segmentation (manual 3.5) with the context's offsets: tcp_segment.h.
void E1000Tx::segment(FrameSink& sink, const Config& cfg, E1000Stats& stats, uint16_t special, bool vle) {
  const Offload& t = tso_ctx_;
  SegmentPlan plan;
  plan.hdr_len = t.hdr_len;
  plan.mss = t.mss;
  plan.ip_offset = t.ipcss;
  plan.l4_offset = t.tucss;
  plan.ipv4 = t.tucmd & kTucmdIp;
  plan.tcp = t.tucmd & kTucmdTcp;
  plan.l4_checksum = popts_ & kPoptsTxsm;
  plan.ip_checksum = popts_ & kPoptsIxsm;
  plan.l4_checksum_at = t.tucso;
  plan.ip_checksum_at = t.ipcso;
  plan.ip_checksum_end = t.ipcse;
  // An inconsistent context drops the packet.
  if (tcp_segment(packet_, plan, [&](std::vector<uint8_t>& f) { emit(f, sink, cfg, stats, special, vle); }))
    stats.count(E1000Stats::kTsctc);
}

void E1000Tx::emit(std::vector<uint8_t>& frame, FrameSink& sink, const Config& cfg, E1000Stats& stats,
                   uint16_t special, bool vle) {
  if (frame.size() < 14) return;
  if (vle) {
    uint8_t tag[4];
    put_be16(tag, cfg.vet);
    put_be16(tag + 2, special);
    frame.insert(frame.begin() + 12, tag, tag + 4);
  }
  // Short frames are not padded to the 60-byte minimum here (the real MAC does it on
  // the wire with TCTL.PSP): the virtual wire carries frames as the stack built them,
  // and passt 0.0~git20230309 counts Ethernet padding as TCP payload (a padded 54-byte
  // SYN-ACK is answered with RST; measured). The receive side pads (e1000_rx).
  E1000Filter::Kind k = E1000Filter::kind(frame.data());
  if (sink.send_frame(frame.data(), frame.size())) {
    stats.transmitted(static_cast<uint32_t>(frame.size() + 4), k == E1000Filter::Kind::kBroadcast,
                      k == E1000Filter::Kind::kMulticast);
    ++frames_;
    bytes_ += frame.size();
  }
}

}  // namespace vireo
