// IDENTIFY DEVICE (ATA 0xEC) and IDENTIFY PACKET DEVICE (0xA1) data: 256 little-endian
// words (ATA8-ACS 7.16/7.17 tables). Strings are space-padded ASCII with the two bytes
// of each word swapped ("ATA string" convention).
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace vireo {

using AtaIdentify = std::array<uint16_t, 256>;

struct AtaDiskIdentity {
  uint64_t sectors = 0;        // capacity in 512-byte sectors
  uint16_t cylinders = 0;      // default CHS geometry (word 1/3/6)
  uint16_t heads = 16;
  uint16_t sectors_per_track = 63;
  uint16_t cur_heads = 16;     // geometry after INITIALIZE DEVICE PARAMETERS (54-58)
  uint16_t cur_sectors = 63;
  uint8_t multiple = 0;        // current READ/WRITE MULTIPLE block size (word 59)
  bool write_cache = true;     // SET FEATURES 0x02/0x82 (word 85 bit 5)
  std::string model, serial;
};

// Largest READ/WRITE MULTIPLE block (word 47), in sectors.
constexpr uint8_t kAtaMaxMultiple = 16;

AtaIdentify ata_identify_disk(const AtaDiskIdentity& id);
AtaIdentify ata_identify_cdrom(const std::string& model, const std::string& serial);
// Default CHS cylinders for a capacity (16 heads, 63 sectors, at most 16383 cylinders).
uint16_t ata_default_cylinders(uint64_t sectors);
// Copies the block out as bytes (little-endian words).
void ata_identify_bytes(const AtaIdentify& id, uint8_t* out512);

}  // namespace vireo
