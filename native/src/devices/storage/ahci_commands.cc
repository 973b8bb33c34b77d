// AhciPort command execution: the ATA commands of a SATA disk (ATA8-ACS section 7) and
// the PACKET command of an ATAPI CD-ROM, with data moving through the command's PRDT.
// Data transfers are DMA as far as the guest can tell, whichever protocol the opcode
// names (an AHCI HBA moves PIO data through the PRDT too, 5.3.9).
#include <cstring>

#include "core/le_bytes.h"
#include "devices/storage/ahci_port.h"
#include "devices/storage/ata_opcodes.h"

namespace vireo {

namespace {
constexpr size_t kChunk = 128 * 1024;  // bytes staged per image access

bool lba48_opcode(uint8_t op) {
  switch (op) {
    case ata::kReadSectorsExt: case ata::kReadDmaExt: case ata::kReadMultipleExt:
    case ata::kWriteSectorsExt: case ata::kWriteDmaExt: case ata::kWriteMultipleExt:
    case ata::kReadVerifyExt:
      return true;
    default:
      return false;
  }
}

// The sectors a command FIS addresses (LBA28 or LBA48). CHS addressing is not offered
// through AHCI (no guest driver uses it there): false.
bool decode_lba(const uint8_t* f, bool lba48, uint64_t* lba, uint64_t* count) {
  if (lba48) {
    *lba = uint64_t{f[10]} << 40 | uint64_t{f[9]} << 32 | uint64_t{f[8]} << 24 |
           uint64_t{f[6]} << 16 | uint64_t{f[5]} << 8 | f[4];
    *count = le16(f + 12);
    if (!*count) *count = 65536;
    return true;
  }
  if (!(f[7] & ata::kDeviceLba)) return false;
  *lba = uint64_t{f[7] & 0x0Fu} << 24 | uint64_t{f[6]} << 16 | uint64_t{f[5]} << 8 | f[4];
  *count = f[12] ? f[12] : 256;
  return true;
}
}  // namespace

AhciPort::Outcome AhciPort::good() const {
  Outcome o;
  o.status = ata::kStDrdy | ata::kStDsc;
  return o;
}

AhciPort::Outcome AhciPort::abort() const {
  Outcome o;
  o.status = ata::kStDrdy | ata::kStErr;
  o.error = ata::kErrAbrt;
  return o;
}

// Small replies (IDENTIFY) are PIO data-in: a PIO setup FIS reports them.
AhciPort::Outcome AhciPort::reply(Command& c, const GuestMemory& mem, const uint8_t* data, size_t len) {
  if (len > c.prd.total_bytes() || !c.prd.to_guest(mem, data, len)) return abort();
  Outcome o = good();
  o.pio_in = true;
  return o;
}

AhciPort::Outcome AhciPort::disk_rw(Command& c, const GuestMemory& mem, bool lba48, bool write) {
  uint64_t lba, count;
  if (!decode_lba(c.fis, lba48, &lba, &count)) return abort();
  if (lba > ident_.sectors || count > ident_.sectors - lba) {
    Outcome o = abort();
    o.error |= ata::kErrIdnf;
    return o;
  }
  uint64_t bytes = count * 512;
  if ((write && backend_->read_only()) || bytes > c.prd.total_bytes()) return abort();
  bounce_.resize(bytes < kChunk ? bytes : kChunk);
  for (uint64_t done = 0; done < bytes;) {
    size_t n = bytes - done < kChunk ? static_cast<size_t>(bytes - done) : kChunk;
    uint64_t at = lba * 512 + done;
    bool ok = write ? c.prd.from_guest(mem, bounce_.data(), n) && backend_->write(at, bounce_.data(), n).ok()
                    : backend_->read(at, bounce_.data(), n).ok() && c.prd.to_guest(mem, bounce_.data(), n);
    if (!ok) {
      Outcome o = abort();
      o.error = write ? ata::kErrAbrt : ata::kErrUnc;
      o.lba = at / 512;
      return o;
    }
    done += n;
  }
  return good();
}

AhciPort::Outcome AhciPort::execute_disk(Command& c, const GuestMemory& mem) {
  const uint8_t op = c.fis[2], feature = c.fis[3];
  switch (op) {
    case ata::kReadDma: case ata::kReadDmaNoRetry: case ata::kReadDmaExt:
    case ata::kReadSectors: case ata::kReadSectorsNoRetry: case ata::kReadSectorsExt:
    case ata::kReadMultiple: case ata::kReadMultipleExt:
      return disk_rw(c, mem, lba48_opcode(op), false);
    case ata::kWriteDma: case ata::kWriteDmaNoRetry: case ata::kWriteDmaExt:
    case ata::kWriteSectors: case ata::kWriteSectorsNoRetry: case ata::kWriteSectorsExt:
    case ata::kWriteMultiple: case ata::kWriteMultipleExt:
      return disk_rw(c, mem, lba48_opcode(op), true);
    case ata::kReadVerify: case ata::kReadVerifyNoRetry: case ata::kReadVerifyExt: {
      uint64_t lba, count;
      bool ok = decode_lba(c.fis, op == ata::kReadVerifyExt, &lba, &count) && lba <= ident_.sectors &&
                count <= ident_.sectors - lba;
      return ok ? good() : abort();
    }
    case ata::kIdentify: {
      AtaIdentify id = ata_identify_disk(ident_);
      // A SATA disk behind AHCI offers DMA (words 49, 53, 63, 88: multiword DMA 0-2,
      // UDMA 0-6 with UDMA 5 selected) and names its SATA generation (word 76: Gen1).
      id[49] |= 1 << 8;
      id[53] |= 1 << 2;
      id[63] = 0x0007;
      id[76] = 1 << 1;
      id[88] = 0x007F | 1 << (8 + 5);
      uint8_t bytes[512];
      ata_identify_bytes(id, bytes);
      return reply(c, mem, bytes, sizeof bytes);
    }
    case ata::kSetMultiple: {
      uint8_t n = c.fis[12];
      if (n > kAtaMaxMultiple || (n & (n - 1))) return abort();
      ident_.multiple = n;
      return good();
    }
    case ata::kSetFeatures:
      if (feature == 0x02 || feature == 0x82) ident_.write_cache = feature == 0x02;
      // 03h transfer mode (any PIO/DMA mode: the HBA ignores timing), look-ahead and
      // power-on defaults toggles.
      if (feature == 0x02 || feature == 0x82 || feature == 0x03 || feature == 0x55 ||
          feature == 0xAA || feature == 0x66 || feature == 0xCC)
        return good();
      return abort();
    case ata::kFlushCache:
    case ata::kFlushCacheExt:
      return backend_->flush().ok() ? good() : abort();
    case ata::kReadNativeMax:
    case ata::kReadNativeMaxExt: {
      Outcome o = good();
      o.lba = ident_.sectors ? ident_.sectors - 1 : 0;
      if (op == ata::kReadNativeMax && o.lba > 0x0FFFFFFF) o.lba = 0x0FFFFFFF;
      return o;
    }
    case ata::kInitParams: case ata::kSeek: case ata::kCheckPower:
    case ata::kStandbyImmediate: case ata::kIdleImmediate: case ata::kStandby:
    case ata::kIdle: case ata::kSleep:
      return good();
    default:
      return abort();  // PACKET, IDENTIFY PACKET DEVICE, NCQ, SMART, logs, unknown
  }
}

AhciPort::Outcome AhciPort::packet(Command& c, const GuestMemory& mem) {
  AtapiReply r = cd_->execute(c.acmd);
  if (!r.good) {
    // CHECK CONDITION: ERR with the sense key in the error register's high nibble.
    Outcome o = abort();
    uint8_t key = cd_->sense().key;
    o.error = static_cast<uint8_t>(key << 4 | (key == scsi::kIllegalRequest ? ata::kErrAbrt : 0));
    return o;
  }
  // Data-in goes into the PRDT up to its size (the allocation length the host asked for
  // is already applied by AtapiCdrom); a shorter table takes what fits, as with a byte
  // count limit.
  uint64_t room = c.prd.total_bytes();
  if (r.stream_len) {
    uint64_t len = r.stream_len < room ? r.stream_len : room;
    bounce_.resize(len < kChunk ? len : kChunk);
    for (uint64_t done = 0; done < len;) {
      size_t n = len - done < kChunk ? static_cast<size_t>(len - done) : kChunk;
      if (!cd_->media()->read(r.stream_offset + done, bounce_.data(), n).ok()) {
        cd_->set_sense({scsi::kMediumError, scsi::kAscUnrecoveredRead, 0});
        Outcome o = abort();
        o.error = scsi::kMediumError << 4;
        return o;
      }
      if (!c.prd.to_guest(mem, bounce_.data(), n)) return abort();
      done += n;
    }
  } else if (!r.data.empty()) {
    size_t len = r.data.size() < room ? r.data.size() : static_cast<size_t>(room);
    if (!c.prd.to_guest(mem, r.data.data(), len)) return abort();
  }
  return good();
}

AhciPort::Outcome AhciPort::execute_cdrom(Command& c, const GuestMemory& mem) {
  switch (c.fis[2]) {
    case ata::kPacket:
      return packet(c, mem);
    case ata::kIdentifyPacket: {
      uint8_t bytes[512];
      ata_identify_bytes(ata_identify_cdrom(model_, serial_), bytes);
      return reply(c, mem, bytes, sizeof bytes);
    }
    case ata::kDeviceReset:
      link_reset();
      cd_->reset();
      return good();
    case ata::kSetFeatures: case ata::kCheckPower: case ata::kStandbyImmediate:
    case ata::kIdleImmediate: case ata::kStandby: case ata::kIdle: case ata::kSleep:
      return good();
    default:
      return abort();  // IDENTIFY DEVICE (the signature tells the host what it found), ...
  }
}

}  // namespace vireo
