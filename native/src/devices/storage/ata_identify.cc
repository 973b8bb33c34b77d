#include "devices/storage/ata_identify.h"

#include "core/le_bytes.h"

namespace vireo {

namespace {

void put_string(AtaIdentify& id, unsigned word, unsigned words, const std::string& s) {
  for (unsigned i = 0; i < words; ++i) {
    unsigned c0 = 2 * i, c1 = 2 * i + 1;
    uint8_t hi = c0 < s.size() ? static_cast<uint8_t>(s[c0]) : ' ';
    uint8_t lo = c1 < s.size() ? static_cast<uint8_t>(s[c1]) : ' ';
    id[word + i] = static_cast<uint16_t>(hi << 8 | lo);  // first character in the high byte
  }
}

void common(AtaIdentify& id, const std::string& model, const std::string& serial) {
  put_string(id, 10, 10, serial);   // words 10-19: serial number, 20 characters
  put_string(id, 23, 4, "1.0");     // words 23-26: firmware revision, 8 characters
  put_string(id, 27, 20, model);    // words 27-46: model number, 40 characters
  id[49] = 1 << 9;                  // capabilities: LBA supported (no DMA)
  id[50] = 0x4000;                  // bit 14 set: word valid
  id[51] = 0x0200;                  // obsolete PIO timing mode 2
  id[53] = 0x0003;                  // words 54-58 and 64-70 valid (no word 88: no UDMA)
  id[64] = 0x0003;                  // PIO modes 3 and 4
  id[65] = id[66] = id[67] = id[68] = 120;  // cycle times in ns
  id[80] = 0x00F0;                  // major version: ATA/ATAPI-4 to -7
  id[93] = 0x600B;                  // hardware reset result: valid, 80-wire cable, device 0 passed
}

}  // namespace

uint16_t ata_default_cylinders(uint64_t sectors) {
  uint64_t c = sectors / (16 * 63);
  return static_cast<uint16_t>(c > 16383 ? 16383 : (c ? c : 1));
}

AtaIdentify ata_identify_disk(const AtaDiskIdentity& d) {
  AtaIdentify id{};
  common(id, d.model, d.serial);
  id[0] = 0x0040;                   // ATA device, fixed (non-removable)
  id[1] = d.cylinders;
  id[3] = d.heads;
  id[6] = d.sectors_per_track;
  id[47] = 0x8000 | kAtaMaxMultiple;
  // Current CHS translation (words 54-58): cylinders follow the current heads/sectors.
  uint64_t per_cyl = uint64_t{d.cur_heads} * d.cur_sectors;
  uint64_t chs_limit = uint64_t{16383} * 16 * 63;
  uint64_t chs_sectors = d.sectors < chs_limit ? d.sectors : chs_limit;
  uint64_t cur_cyl = per_cyl ? chs_sectors / per_cyl : 0;
  if (cur_cyl > 65535) cur_cyl = 65535;
  id[54] = static_cast<uint16_t>(cur_cyl);
  id[55] = d.cur_heads;
  id[56] = d.cur_sectors;
  uint64_t cur_cap = cur_cyl * per_cyl;
  id[57] = static_cast<uint16_t>(cur_cap);
  id[58] = static_cast<uint16_t>(cur_cap >> 16);
  id[59] = d.multiple ? static_cast<uint16_t>(0x0100 | d.multiple) : 0;
  uint64_t lba28 = d.sectors < 0x0FFFFFFF ? d.sectors : 0x0FFFFFFF;
  id[60] = static_cast<uint16_t>(lba28);
  id[61] = static_cast<uint16_t>(lba28 >> 16);
  id[82] = 1 << 5;                  // write cache supported
  id[83] = 0x4000 | 1 << 13 | 1 << 12 | 1 << 10;  // FLUSH CACHE EXT, FLUSH CACHE, LBA48
  id[84] = 0x4000;
  id[85] = d.write_cache ? 1 << 5 : 0;
  id[86] = 1 << 13 | 1 << 12 | 1 << 10;
  id[87] = 0x4000;
  for (int i = 0; i < 4; ++i) id[100 + i] = static_cast<uint16_t>(d.sectors >> (16 * i));
  id[106] = 0x4000;                 // sector size word valid: 512-byte logical = physical
  return id;
}

AtaIdentify ata_identify_cdrom(const std::string& model, const std::string& serial) {
  AtaIdentify id{};
  common(id, model, serial);
  // ATAPI (15:14 = 10), CD-ROM device type 05h (12:8), removable (7), DRQ within 50 us
  // (6:5 = 10), 12-byte packets (1:0 = 00).
  id[0] = 0x8000 | 0x05 << 8 | 0x80 | 0x40;
  id[82] = 1 << 9 | 1 << 4;         // DEVICE RESET, PACKET feature set
  id[83] = 0x4000;
  id[84] = 0x4000;
  id[85] = 1 << 9 | 1 << 4;
  id[87] = 0x4000;
  return id;
}

void ata_identify_bytes(const AtaIdentify& id, uint8_t* out) {
  for (unsigned i = 0; i < id.size(); ++i) put_le16(out + 2 * i, id[i]);
}

}  // namespace vireo
