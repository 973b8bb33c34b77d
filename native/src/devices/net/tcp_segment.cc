#include "devices/net/tcp_segment.h"

#include <algorithm>

#include "devices/net/inet_checksum.h"

namespace vireo {

namespace {
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
void put_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}
}  // namespace

void insert_checksum(std::vector<uint8_t>& f, size_t start, size_t end, size_t offset) {
  size_t n = f.size();
  if (n == 0) return;
  size_t last = (end == 0 || end >= n) ? n - 1 : end;
  if (start > last || offset + 2 > n) return;
  uint16_t c = inet_checksum(f.data() + start, last - start + 1);
  put_be16(f.data() + offset, c ? c : 0xFFFF);
}

bool tcp_segment(const std::vector<uint8_t>& packet, const SegmentPlan& p,
                 const std::function<void(std::vector<uint8_t>&)>& emit) {
  size_t hdr = p.hdr_len;
  size_t ip_min = p.ipv4 ? 20 : 40, l4_min = p.tcp ? 20 : 8;
  size_t l4_csum = p.l4_checksum_at ? p.l4_checksum_at : p.l4_offset + (p.tcp ? 16 : 6);
  size_t ip_csum = p.ip_checksum_at ? p.ip_checksum_at : p.ip_offset + 10;
  if (p.mss == 0 || hdr > packet.size() || p.ip_offset + ip_min > hdr || p.l4_offset + l4_min > hdr ||
      p.l4_offset < p.ip_offset || l4_csum + 2 > hdr || (p.ipv4 && ip_csum + 2 > hdr))
    return false;
  size_t payload = packet.size() - hdr;
  const uint8_t* h = packet.data();
  uint16_t ip_id = p.ipv4 ? be16(h + p.ip_offset + 4) : 0;
  uint32_t seq = p.tcp ? be32(h + p.l4_offset + 4) : 0;
  uint16_t seed = be16(h + l4_csum);
  size_t ip_end = p.ip_checksum_end ? p.ip_checksum_end : p.ip_offset + (h[p.ip_offset] & 0xF) * 4u - 1;
  std::vector<uint8_t> frame;
  unsigned segno = 0;
  size_t off = 0;
  do {
    size_t len = std::min(p.mss, payload - off);
    bool last = off + len >= payload;
    frame.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(hdr));
    frame.insert(frame.end(), packet.begin() + static_cast<std::ptrdiff_t>(hdr + off),
                 packet.begin() + static_cast<std::ptrdiff_t>(hdr + off + len));
    uint8_t* f = frame.data();
    if (p.ipv4) {
      put_be16(f + p.ip_offset + 2, static_cast<uint16_t>(hdr - p.ip_offset + len));
      put_be16(f + p.ip_offset + 4, static_cast<uint16_t>(ip_id + segno));
    } else {
      put_be16(f + p.ip_offset + 4, static_cast<uint16_t>(hdr - p.ip_offset - 40 + len));
    }
    size_t l4_len = hdr - p.l4_offset + len;
    if (p.tcp) {
      put_be32(f + p.l4_offset + 4, seq + static_cast<uint32_t>(off));
      if (!last) f[p.l4_offset + 13] &= static_cast<uint8_t>(~0x09);  // FIN, PSH
    } else {
      put_be16(f + p.l4_offset + 4, static_cast<uint16_t>(l4_len));
    }
    if (p.l4_checksum) {
      uint32_t s = uint32_t{seed} + static_cast<uint32_t>(l4_len & 0xFFFF) + static_cast<uint32_t>(l4_len >> 16);
      while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
      put_be16(f + l4_csum, static_cast<uint16_t>(s));
      insert_checksum(frame, p.l4_offset, 0, l4_csum);
    }
    if (p.ipv4 && p.ip_checksum) {
      put_be16(f + ip_csum, 0);
      insert_checksum(frame, p.ip_offset, ip_end, ip_csum);
    }
    emit(frame);
    off += len;
    ++segno;
  } while (off < payload);
  return true;
}

}  // namespace vireo
