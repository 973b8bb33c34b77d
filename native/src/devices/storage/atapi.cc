#include "devices/storage/atapi.h"

namespace vireo {

namespace {

constexpr uint8_t kTestUnitReady = 0x00, kRequestSense = 0x03, kInquiry = 0x12,
                  kModeSense6 = 0x1A, kStartStopUnit = 0x1B, kPreventAllow = 0x1E,
                  kReadCapacity = 0x25, kRead10 = 0x28, kSeek10 = 0x2B, kReadToc = 0x43,
                  kModeSense10 = 0x5A, kRead12 = 0xA8;

uint32_t be16(const uint8_t* p) { return uint32_t{p[0]} << 8 | p[1]; }
uint32_t be32(const uint8_t* p) { return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]; }
void put_be16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

void cut(std::vector<uint8_t>& data, uint32_t allocation) {
  if (data.size() > allocation) data.resize(allocation);
}

// A TOC address: LBA, or MSF (with the 2-second / 150-frame lead-in offset, MMC-2 6.1.13).
void put_toc_address(uint8_t* p, uint64_t lba, bool msf) {
  if (!msf) {
    put_be32(p, static_cast<uint32_t>(lba));
    return;
  }
  uint64_t f = lba + 150;
  p[0] = 0;
  p[1] = static_cast<uint8_t>(f / (75 * 60) > 255 ? 255 : f / (75 * 60));
  p[2] = static_cast<uint8_t>(f / 75 % 60);
  p[3] = static_cast<uint8_t>(f % 75);
}

}  // namespace

AtapiReply AtapiCdrom::check_condition(uint8_t key, uint8_t asc) {
  sense_ = {key, asc, 0};
  AtapiReply r;
  r.good = false;
  return r;
}

AtapiReply AtapiCdrom::execute(const uint8_t* cdb) {
  AtapiReply r;
  uint8_t op = cdb[0];
  bool needs_medium = op == kTestUnitReady || op == kReadCapacity || op == kRead10 ||
                      op == kRead12 || op == kReadToc || op == kSeek10;
  if (needs_medium && !media_) return check_condition(scsi::kNotReady, scsi::kAscMediumNotPresent);
  switch (op) {
    case kTestUnitReady:
    case kStartStopUnit:
    case kPreventAllow:
      break;
    case kSeek10:
      if (be32(cdb + 2) >= sectors()) return check_condition(scsi::kIllegalRequest, scsi::kAscLbaOutOfRange);
      break;
    case kRequestSense:  // fixed-format sense data (SPC-3 4.5.3), then the sense is consumed
      r.data.assign(18, 0);
      r.data[0] = 0x70;
      r.data[2] = sense_.key;
      r.data[7] = 10;
      r.data[12] = sense_.asc;
      r.data[13] = sense_.ascq;
      cut(r.data, cdb[4]);
      sense_ = {};
      return r;
    case kInquiry: {
      if (cdb[1] & 1) return check_condition(scsi::kIllegalRequest, scsi::kAscInvalidField);  // no VPD
      static const char kId[] = "VIREO   Virtual DVD-ROM 1.0 ";  // vendor 8, product 16, rev 4
      r.data.assign(36, 0);
      r.data[0] = 0x05;  // peripheral device type: CD/DVD
      r.data[1] = 0x80;  // removable medium
      r.data[3] = 0x21;  // ATAPI transport version 2, response data format 1
      r.data[4] = 31;    // additional length
      for (int i = 0; i < 28; ++i) r.data[8 + i] = static_cast<uint8_t>(kId[i]);
      cut(r.data, be16(cdb + 3));
      break;
    }
    case kReadCapacity: {  // last LBA and block length (SBC 5.10)
      uint64_t n = sectors();
      uint64_t last = n ? n - 1 : 0;
      r.data.assign(8, 0);
      put_be32(&r.data[0], last > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(last));
      put_be32(&r.data[4], kSectorSize);
      break;
    }
    case kRead10:
      return read(be32(cdb + 2), be16(cdb + 7));
    case kRead12:
      return read(be32(cdb + 2), be32(cdb + 6));
    case kModeSense6:
      return mode_sense(cdb, false);
    case kModeSense10:
      return mode_sense(cdb, true);
    case kReadToc:
      return read_toc(cdb);
    default:
      return check_condition(scsi::kIllegalRequest, scsi::kAscInvalidOpcode);
  }
  sense_ = {};
  return r;
}

AtapiReply AtapiCdrom::read(uint64_t lba, uint64_t count) {
  if (lba > sectors() || count > sectors() - lba)
    return check_condition(scsi::kIllegalRequest, scsi::kAscLbaOutOfRange);
  sense_ = {};
  AtapiReply r;
  r.stream_offset = lba * kSectorSize;
  r.stream_len = count * kSectorSize;
  return r;
}

AtapiReply AtapiCdrom::mode_sense(const uint8_t* cdb, bool ten) {
  uint8_t page = cdb[2] & 0x3F;
  if (page != 0x01 && page != 0x2A && page != 0x3F)
    return check_condition(scsi::kIllegalRequest, scsi::kAscInvalidField);
  unsigned header = ten ? 8 : 4;  // no block descriptors
  AtapiReply r;
  r.data.assign(header, 0);
  if (page == 0x01 || page == 0x3F) {  // read/write error recovery page (MMC-2 5.5.5)
    const uint8_t p[12] = {0x01, 0x0A};
    r.data.insert(r.data.end(), p, p + sizeof p);
  }
  if (page == 0x2A || page == 0x3F) {  // CD capabilities and mechanical status (MMC-2 5.5.10)
    uint8_t p[22] = {0x2A, 0x14};
    p[2] = 0x00;  // reads CD-ROM media only
    p[6] = 0x29;  // tray loading mechanism, eject, lock
    put_be16(p + 8, 706);    // maximum read speed, kB/s (4x)
    put_be16(p + 12, 64);    // buffer size, KiB
    put_be16(p + 14, 706);   // current read speed
    r.data.insert(r.data.end(), p, p + sizeof p);
  }
  if (ten)
    put_be16(&r.data[0], static_cast<uint32_t>(r.data.size() - 2));
  else
    r.data[0] = static_cast<uint8_t>(r.data.size() - 1);
  cut(r.data, ten ? be16(cdb + 7) : cdb[4]);
  sense_ = {};
  return r;
}

AtapiReply AtapiCdrom::read_toc(const uint8_t* cdb) {
  bool msf = cdb[1] & 2;
  unsigned format = cdb[2] & 0x0F;
  if (!format) format = cdb[9] >> 6;  // pre-MMC location of the format field
  uint8_t start = cdb[6];
  AtapiReply r;
  r.data.assign(4, 0);
  r.data[2] = 1;  // first track / session
  r.data[3] = 1;  // last track / session
  auto add = [&](uint8_t track, uint64_t lba) {
    uint8_t d[8] = {0, 0x14, track};  // ADR 1, control 4: data track
    put_toc_address(d + 4, lba, msf);
    r.data.insert(r.data.end(), d, d + 8);
  };
  if (format == 0) {
    if (start > 1 && start != 0xAA) return check_condition(scsi::kIllegalRequest, scsi::kAscInvalidField);
    if (start <= 1) add(1, 0);
    add(0xAA, sectors());  // lead-out
  } else if (format == 1) {  // multi-session information: first track of the last session
    add(1, 0);
  } else {
    return check_condition(scsi::kIllegalRequest, scsi::kAscInvalidField);
  }
  put_be16(&r.data[0], static_cast<uint32_t>(r.data.size() - 2));
  cut(r.data, be16(cdb + 7));
  sense_ = {};
  return r;
}

}  // namespace vireo
