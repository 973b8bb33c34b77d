// The Internet checksum (RFC 1071: 16-bit ones' complement sum of big-endian words) and
// the Ethernet frame check sequence (IEEE 802.3 CRC-32, reflected, polynomial 0xEDB88320),
// as a NIC computes them for checksum offload and for the FCS it appends.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vireo {

// Partial sum of `len` bytes (an odd last byte counts as its high half), to be added to
// other partial sums and folded. Bytes are taken from even offsets of the summed range.
uint32_t inet_sum(const uint8_t* data, size_t len, uint32_t sum = 0);
// Folds a partial sum to 16 bits and complements it.
uint16_t inet_fold(uint32_t sum);
// Ones' complement checksum of [data, data+len): 0 when the range holds a correct
// checksum field.
inline uint16_t inet_checksum(const uint8_t* data, size_t len) { return inet_fold(inet_sum(data, len)); }

uint32_t ethernet_crc32(const uint8_t* data, size_t len);

}  // namespace vireo
