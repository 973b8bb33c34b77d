// AtapiCdrom: the SCSI/MMC command layer of an ATAPI CD-ROM (INF-8020i; MMC-2 for
// READ TOC and the CD capabilities mode page; SPC for sense data). 2048-byte sectors.
// It interprets a 12-byte command packet and describes the data-in phase; the IDE
// channel moves the bytes through the data port. Commands SeaBIOS uses to boot an ISO
// (El Torito): TEST UNIT READY, REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10); also
// READ(12), MODE SENSE(6/10) pages 01h/2Ah/3Fh, READ TOC formats 0/1, START STOP UNIT,
// PREVENT ALLOW MEDIUM REMOVAL, SEEK(10). Anything else is CHECK CONDITION with
// ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.
#pragma once
#include <cstdint>
#include <vector>

#include "devices/storage/block_backend.h"

namespace vireo {

struct ScsiSense {
  uint8_t key = 0, asc = 0, ascq = 0;
};

// Sense keys and additional sense codes used here (SPC-3 4.5.6, annex D).
namespace scsi {
constexpr uint8_t kNotReady = 0x02, kMediumError = 0x03, kIllegalRequest = 0x05;
constexpr uint8_t kAscInvalidOpcode = 0x20, kAscLbaOutOfRange = 0x21, kAscInvalidField = 0x24,
                  kAscMediumNotPresent = 0x3A, kAscUnrecoveredRead = 0x11;
}  // namespace scsi

struct AtapiReply {
  bool good = true;           // false: CHECK CONDITION, details in sense()
  std::vector<uint8_t> data;  // data-in bytes of small replies (cut to the allocation length)
  // READ(10)/READ(12): `stream_len` bytes from the image starting at byte `stream_offset`
  // (already range-checked against the image).
  uint64_t stream_offset = 0, stream_len = 0;
};

class AtapiCdrom {
 public:
  static constexpr uint32_t kSectorSize = 2048;
  static constexpr unsigned kPacketSize = 12;

  explicit AtapiCdrom(BlockBackend* media) : media_(media) {}
  AtapiReply execute(const uint8_t* cdb);  // cdb: kPacketSize bytes
  BlockBackend* media() const { return media_; }
  uint64_t sectors() const { return media_ ? media_->size_bytes() / kSectorSize : 0; }
  const ScsiSense& sense() const { return sense_; }
  // The transport reports its own failures (a read error while streaming) through sense.
  void set_sense(const ScsiSense& s) { sense_ = s; }
  void reset() { sense_ = {}; }

 private:
  AtapiReply check_condition(uint8_t key, uint8_t asc);
  AtapiReply read(uint64_t lba, uint64_t count);
  AtapiReply mode_sense(const uint8_t* cdb, bool ten);
  AtapiReply read_toc(const uint8_t* cdb);

  BlockBackend* media_;
  ScsiSense sense_;
};

}  // namespace vireo
