// TCP/UDP segmentation offload as NICs do it (8254x manual 3.5; vmxnet3 "om = TSO"): a
// packet of `hdr_len` bytes of prototype header (Ethernet, IPv4 or IPv6, TCP or UDP) and
// its payload is cut into `mss`-sized segments. Per segment the IPv4 total length and
// identification (or the IPv6 payload length), the TCP sequence number (FIN and PSH
// only on the last segment) or the UDP length are updated; the L4 checksum field, which
// drivers seed with the pseudo-header sum without length (Linux: ~csum_tcpudp_magic(..,
// 0, ..)), gets the segment's L4 length added and the checksum is then inserted; the IPv4
// header checksum is recomputed. Inconsistent offsets drop the packet (returns false).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace vireo {

struct SegmentPlan {
  size_t hdr_len = 0;  // bytes of prototype header
  size_t mss = 0;
  size_t ip_offset = 0, l4_offset = 0;
  bool ipv4 = true, tcp = true;
  bool l4_checksum = true, ip_checksum = true;
  // Where the checksum fields are (0: the standard places in the IP and L4 headers) and
  // the inclusive end of the IPv4 checksum range (0: the header as IHL says).
  size_t ip_checksum_at = 0, l4_checksum_at = 0, ip_checksum_end = 0;
};

// Calls `emit` once per segment (the frame is scratch storage, valid during the call).
bool tcp_segment(const std::vector<uint8_t>& packet, const SegmentPlan& plan,
                 const std::function<void(std::vector<uint8_t>&)>& emit);

// Inserts the ones' complement checksum of bytes [start, end] (end inclusive; 0 or past
// the frame = to its end) at `offset`; the field's contents take part in the sum. A
// result of 0 is written as 0xFFFF. Out-of-range fields are left alone.
void insert_checksum(std::vector<uint8_t>& f, size_t start, size_t end, size_t offset);

}  // namespace vireo
