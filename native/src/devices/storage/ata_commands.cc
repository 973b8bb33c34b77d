// IdeChannel command execution: the ATA commands of a disk (ATA8-ACS section 7) and the
// PACKET protocol of an ATAPI CD-ROM (INF-8020i / ATA8-ACS 7.18).
#include <cstring>

#include "devices/storage/ide_channel.h"

namespace vireo {

namespace {
constexpr uint8_t kDeviceReset = 0x08, kReadSectors = 0x20, kReadSectorsNoRetry = 0x21,
                  kReadSectorsExt = 0x24, kReadMultipleExt = 0x29, kWriteSectors = 0x30,
                  kWriteSectorsNoRetry = 0x31, kWriteSectorsExt = 0x34, kWriteMultipleExt = 0x39,
                  kReadVerify = 0x40, kReadVerifyNoRetry = 0x41, kReadVerifyExt = 0x42,
                  kSeek = 0x70, kDiagnostic = 0x90, kInitParams = 0x91, kPacket = 0xA0,
                  kIdentifyPacket = 0xA1, kReadMultiple = 0xC4, kWriteMultiple = 0xC5,
                  kSetMultiple = 0xC6, kStandbyImmediate = 0xE0, kIdleImmediate = 0xE1,
                  kStandby = 0xE2, kIdle = 0xE3, kCheckPower = 0xE5, kSleep = 0xE6,
                  kFlushCache = 0xE7, kIdentify = 0xEC, kFlushCacheExt = 0xEA,
                  kSetFeatures = 0xEF;
constexpr uint8_t kLbaBit = 0x40;  // device register: LBA addressing

bool is_power_control(uint8_t cmd) {
  return cmd == kStandbyImmediate || cmd == kIdleImmediate || cmd == kStandby || cmd == kIdle ||
         cmd == kSleep;
}

// SET FEATURES subcommands accepted (ATA8-ACS 7.48): write cache on/off, transfer mode
// (PIO only), read look-ahead on/off, reverting to power-on defaults on/off.
bool set_features_ok(uint8_t feature, uint8_t count) {
  switch (feature) {
    case 0x02: case 0x82: case 0x55: case 0xAA: case 0x66: case 0xCC:
      return true;
    case 0x03:  // count: 00h/01h PIO default, 08h|n PIO flow-control mode n; no DMA modes
      return count <= 0x01 || (count >= 0x08 && count <= 0x0C);
    default:
      return false;
  }
}
}  // namespace

void IdeChannel::execute(uint8_t cmd) {
  x_ = Xfer{};  // a new command abandons any transfer in progress
  if (cmd == kDiagnostic) {
    execute_diagnostic();
    return;
  }
  unsigned unit = selected_unit();
  Drive& d = drives_[unit];
  if (d.kind == IdeDriveKind::kNone) return;  // commands to an absent device are ignored
  if (d.kind == IdeDriveKind::kDisk)
    execute_disk(d, unit, cmd);
  else
    execute_cdrom(d, unit, cmd);
}

// EXECUTE DEVICE DIAGNOSTIC: both devices run it; device 0 reports (error 01h: passed).
void IdeChannel::execute_diagnostic() {
  for (Drive& d : drives_) {
    if (d.kind == IdeDriveKind::kNone) continue;
    set_signature(d);
    d.error = 0x01;
    d.status = d.kind == IdeDriveKind::kDisk ? kDrdy | kDsc : 0;
  }
  dh_ &= 0xEF;
  raise_irq();
}

// The sector address of a disk command: LBA28/LBA48 from the task file or CHS through
// the current geometry. Returns false (caller aborts) when it is outside the disk.
bool IdeChannel::decode_address(Drive& d, bool lba48, uint64_t* lba, uint32_t* count) {
  const TaskFile& t = d.tf;
  if (lba48) {
    *lba = uint64_t{t.lba_high[1]} << 40 | uint64_t{t.lba_mid[1]} << 32 |
           uint64_t{t.lba_low[1]} << 24 | uint64_t{t.lba_high[0]} << 16 |
           uint64_t{t.lba_mid[0]} << 8 | t.lba_low[0];
    *count = uint32_t{t.count[1]} << 8 | t.count[0];
    if (!*count) *count = 65536;
  } else {
    *count = t.count[0] ? t.count[0] : 256;
    if (dh_ & kLbaBit) {
      *lba = uint64_t{dh_ & 0x0Fu} << 24 | uint64_t{t.lba_high[0]} << 16 |
             uint64_t{t.lba_mid[0]} << 8 | t.lba_low[0];
    } else {
      uint64_t cyl = uint64_t{t.lba_high[0]} << 8 | t.lba_mid[0];
      unsigned head = dh_ & 0x0F, sector = t.lba_low[0];
      if (!sector || sector > d.ident.cur_sectors || head >= d.ident.cur_heads) return false;
      *lba = (cyl * d.ident.cur_heads + head) * d.ident.cur_sectors + sector - 1;
    }
  }
  return *lba <= d.ident.sectors && *count <= d.ident.sectors - *lba;
}

void IdeChannel::disk_rw(Drive& d, unsigned unit, bool lba48, bool write, uint32_t per_block) {
  uint64_t lba;
  uint32_t count;
  if (!decode_address(d, lba48, &lba, &count) || (write && d.backend->read_only())) {
    fail(unit, kAbrt);
    return;
  }
  if (write) {
    start_out(unit, lba * 512, uint64_t{count} * 512, per_block * 512);
    return;
  }
  x_.from_backend = true;
  x_.offset = lba * 512;
  x_.remaining = uint64_t{count} * 512;
  start_in(unit, per_block * 512, false);
}

void IdeChannel::execute_disk(Drive& d, unsigned unit, uint8_t cmd) {
  uint8_t multiple = d.ident.multiple;
  switch (cmd) {
    case kReadSectors:
    case kReadSectorsNoRetry:
    case kReadSectorsExt:
      disk_rw(d, unit, cmd == kReadSectorsExt, false, 1);
      return;
    case kWriteSectors:
    case kWriteSectorsNoRetry:
    case kWriteSectorsExt:
      disk_rw(d, unit, cmd == kWriteSectorsExt, true, 1);
      return;
    case kReadMultiple:
    case kReadMultipleExt:
    case kWriteMultiple:
    case kWriteMultipleExt:
      if (!multiple) break;  // SET MULTIPLE MODE never succeeded: abort
      disk_rw(d, unit, cmd == kReadMultipleExt || cmd == kWriteMultipleExt,
              cmd == kWriteMultiple || cmd == kWriteMultipleExt, multiple);
      return;
    case kReadVerify:
    case kReadVerifyNoRetry:
    case kReadVerifyExt: {
      uint64_t lba;
      uint32_t count;
      if (!decode_address(d, cmd == kReadVerifyExt, &lba, &count)) break;
      complete(unit, true);
      return;
    }
    case kIdentify: {
      AtaIdentify id = ata_identify_disk(d.ident);
      x_.reply.resize(512);
      ata_identify_bytes(id, x_.reply.data());
      start_in(unit, 512, false);
      return;
    }
    case kSetMultiple: {
      uint8_t n = d.tf.count[0];
      if (n > kAtaMaxMultiple || (n & (n - 1))) break;
      d.ident.multiple = n;
      complete(unit, true);
      return;
    }
    case kSetFeatures:
      if (!set_features_ok(d.tf.feature[0], d.tf.count[0])) break;
      if (d.tf.feature[0] == 0x02 || d.tf.feature[0] == 0x82) d.ident.write_cache = d.tf.feature[0] == 0x02;
      complete(unit, true);
      return;
    case kInitParams:  // INITIALIZE DEVICE PARAMETERS: heads = DH[3:0] + 1, sectors = count
      if (!d.tf.count[0]) break;
      d.ident.cur_heads = static_cast<uint16_t>((dh_ & 0x0F) + 1);
      d.ident.cur_sectors = d.tf.count[0];
      complete(unit, true);
      return;
    case kFlushCache:
    case kFlushCacheExt:
      if (!d.backend->flush().ok()) break;
      complete(unit, true);
      return;
    case kSeek:
    case kCheckPower:
      if (cmd == kCheckPower) d.tf.count[0] = 0xFF;  // active or idle
      complete(unit, true);
      return;
    default:
      if ((cmd & 0xF0) == 0x10 || is_power_control(cmd)) {  // RECALIBRATE (1xh), power modes
        complete(unit, true);
        return;
      }
      break;  // NOP, PACKET, IDENTIFY PACKET DEVICE, DEVICE RESET, unknown: abort
  }
  fail(unit, kAbrt);
}

void IdeChannel::execute_cdrom(Drive& d, unsigned unit, uint8_t cmd) {
  switch (cmd) {
    case kPacket:
      if (d.tf.feature[0] & 0x01) break;  // DMA data phase requested: no bus master here
      x_.active = true;
      x_.in = false;
      x_.packet = true;
      x_.unit = unit;
      x_.len = AtapiCdrom::kPacketSize;
      d.status = kDrdy | kDsc | kDrq;
      d.tf.count[0] = 0x01;  // interrupt reason: C/D = 1 (command), I/O = 0
      return;                // DRQ without an interrupt (IDENTIFY PACKET word 0 bits 6:5 = 10b)
    case kIdentifyPacket: {
      AtaIdentify id = ata_identify_cdrom(d.model, d.serial);
      x_.reply.resize(512);
      ata_identify_bytes(id, x_.reply.data());
      start_in(unit, 512, false);
      return;
    }
    case kDeviceReset:  // the packet device alone; no interrupt
      set_signature(d);
      d.error = 0x01;
      d.status = 0;
      d.cd->reset();
      return;
    case kSetFeatures:
      if (!set_features_ok(d.tf.feature[0], d.tf.count[0])) break;
      complete(unit, true);
      return;
    case kCheckPower:
      d.tf.count[0] = 0xFF;
      complete(unit, true);
      return;
    case kIdentify:  // aborted, with the packet signature so the host knows what it found
      set_signature(d);
      fail(unit, kAbrt);
      return;
    default:
      if (is_power_control(cmd)) {
        complete(unit, true);
        return;
      }
      break;
  }
  fail(unit, kAbrt);
}

// The 12-byte command packet arrived.
void IdeChannel::execute_packet(unsigned unit) {
  Drive& d = drives_[unit];
  // Byte count limit from LBA mid/high at PACKET time: 0 means the largest even value,
  // odd limits are rounded down (INF-8020i 5.14).
  uint32_t limit = uint32_t{d.tf.lba_high[0]} << 8 | d.tf.lba_mid[0];
  if (!limit || limit == 0xFFFF) limit = 0xFFFE;
  if (limit > 1) limit &= ~1u;
  x_ = Xfer{};
  AtapiReply r = d.cd->execute(packet_);
  if (!r.good) {
    uint8_t key = d.cd->sense().key;
    fail(unit, static_cast<uint8_t>(key << 4 | (key == scsi::kIllegalRequest ? kAbrt : 0)));
    return;
  }
  if (r.stream_len) {
    x_.from_backend = true;
    x_.offset = r.stream_offset;
    x_.remaining = r.stream_len;
  } else {
    x_.reply = std::move(r.data);
  }
  start_in(unit, limit, true);
}

}  // namespace vireo
