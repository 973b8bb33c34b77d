// Little-endian loads and stores on byte buffers (guest structures, device registers).
// Byte by byte, so they are alignment-safe and independent of the host's byte order.
#pragma once
#include <cstdint>

namespace vireo {

inline uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
inline uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
inline uint64_t le64(const uint8_t* p) { return uint64_t{le32(p)} | uint64_t{le32(p + 4)} << 32; }

inline void put_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put_le64(uint8_t* p, uint64_t v) {
  put_le32(p, static_cast<uint32_t>(v));
  put_le32(p + 4, static_cast<uint32_t>(v >> 32));
}

// The n bytes of an access of any width (port and MMIO data, config space, a 24-bit
// field): the low n bytes of v, least significant first. Bytes past the 8th are neither
// read nor written.
inline uint64_t le_load(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n && i < 8; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}
inline void le_store(uint8_t* p, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n && i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace vireo
