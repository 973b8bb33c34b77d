#include "devices/net/inet_checksum.h"

#include <array>

namespace vireo {

uint32_t inet_sum(const uint8_t* data, size_t len, uint32_t sum) {
  uint64_t s = sum;
  size_t i = 0;
  for (; i + 1 < len; i += 2) s += uint32_t{data[i]} << 8 | data[i + 1];
  if (i < len) s += uint32_t{data[i]} << 8;
  while (s >> 32) s = (s & 0xFFFFFFFF) + (s >> 32);
  return static_cast<uint32_t>(s);
}

uint16_t inet_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

namespace {
std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
}  // namespace

uint32_t ethernet_crc32(const uint8_t* data, size_t len) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  uint32_t c = 0xFFFFFFFF;
  for (size_t i = 0; i < len; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

}  // namespace vireo
