// AhciPort registers, command issue and the FISes the HBA posts (AHCI 1.3.1 3.3, 5.3).
#include "devices/storage/ahci_port.h"

#include <cstring>

#include "core/le_bytes.h"
#include "devices/storage/ahci_regs.h"
#include "devices/storage/ata_opcodes.h"

namespace vireo {

using namespace ahci;

Status AhciPort::attach(IdeDriveKind kind, BlockBackend* backend) {
  if (kind == IdeDriveKind::kDisk && !backend)
    return Status::Error(ErrorCode::kInvalidArgument, "an AHCI disk needs an image");
  kind_ = kind;
  backend_ = backend;
  std::string n = std::to_string(index_);
  if (kind == IdeDriveKind::kDisk) {
    model_ = "VMware Virtual SATA Hard Drive";
    serial_ = "0100000000000000000" + n;
    ident_ = AtaDiskIdentity{};
    ident_.sectors = backend->size_bytes() / 512;
    ident_.cylinders = ata_default_cylinders(ident_.sectors);
    ident_.model = model_;
    ident_.serial = serial_;
  } else {
    model_ = "VMware Virtual SATA CDRW Drive";
    serial_ = "0000000000000000000" + n;
    cd_ = std::make_unique<AtapiCdrom>(backend);
  }
  reset();
  return Status::Ok();
}

void AhciPort::reset() {
  clb_ = fb_ = 0;
  is_ = ie_ = cmd_ = sctl_ = serr_ = ci_ = 0;
  stopped_on_error_ = false;
  if (kind_ == IdeDriveKind::kDisk) ident_.multiple = 0;
  if (cd_) cd_->reset();
  // SUD and POD read 1 after reset when staggered spin-up / cold presence are not
  // supported (3.3.7); a present device has its link up.
  cmd_ = kCmdSud | kCmdPod;
  link_reset();
}

void AhciPort::link_reset() {
  if (!present()) {
    ssts_ = 0;
    sig_ = 0xFFFFFFFF;
    tfd_ = 0x7F;
    return;
  }
  ssts_ = kSstsLinkUp;
  sig_ = kind_ == IdeDriveKind::kDisk ? kSigDisk : kSigAtapi;
  // Error register 01h (diagnostic passed); a disk reports DRDY|DSC, a packet device 0.
  tfd_ = 0x0100 | (kind_ == IdeDriveKind::kDisk ? ata::kStDrdy | ata::kStDsc : 0);
}

uint32_t AhciPort::read(unsigned reg) const {
  switch (reg) {
    case kPxClb: return static_cast<uint32_t>(clb_);
    case kPxClbu: return static_cast<uint32_t>(clb_ >> 32);
    case kPxFb: return static_cast<uint32_t>(fb_);
    case kPxFbu: return static_cast<uint32_t>(fb_ >> 32);
    case kPxIs: return is_;
    case kPxIe: return ie_;
    case kPxCmd:
      // CR follows ST and FR follows FRE at once: there is no engine to wind down.
      return cmd_ | (cmd_ & kCmdSt ? kCmdCr : 0) | (cmd_ & kCmdFre ? kCmdFr : 0);
    case kPxTfd: return tfd_;
    case kPxSig: return sig_;
    case kPxSsts: return ssts_;
    case kPxSctl: return sctl_;
    case kPxSerr: return serr_;
    case kPxCi: return ci_;
    default: return 0;  // SACT, SNTF, FBS, vendor: no NCQ, no port multiplier
  }
}

void AhciPort::write(unsigned reg, uint32_t v, const GuestMemory& mem) {
  switch (reg) {
    case kPxClb: clb_ = (clb_ & ~uint64_t{0xFFFFFFFF}) | (v & ~0x3FFu); break;  // 1 KiB aligned
    case kPxClbu: clb_ = uint64_t{v} << 32 | (clb_ & 0xFFFFFFFF); break;
    case kPxFb: fb_ = (fb_ & ~uint64_t{0xFFFFFFFF}) | (v & ~0xFFu); break;       // 256-byte aligned
    case kPxFbu: fb_ = uint64_t{v} << 32 | (fb_ & 0xFFFFFFFF); break;
    case kPxIs: is_ &= ~v; break;  // write 1 to clear
    case kPxIe: ie_ = v & kIsMask; break;
    case kPxCmd: set_cmd(v); break;
    case kPxSctl: {
      bool was_reset = (sctl_ & 0xF) == 1;
      sctl_ = v & 0xFFF;
      if ((sctl_ & 0xF) == 1) {  // DET = 1: COMRESET asserted, no communication
        ssts_ = 0;
        tfd_ = ata::kStBsy;
      } else if (was_reset) {
        link_reset();
      }
      break;
    }
    case kPxSerr: serr_ &= ~v; break;
    case kPxCi:
      // Commands are accepted only while the engine runs (ST) and has not stopped on an
      // error (software clears ST to recover, 6.2.2.1).
      if ((cmd_ & kCmdSt) && !stopped_on_error_) {
        ci_ |= v;
        issue(mem);
      }
      break;
    default: break;
  }
}

void AhciPort::set_cmd(uint32_t v) {
  uint32_t old = cmd_;
  cmd_ = (cmd_ & ~kCmdWritable) | (v & kCmdWritable);
  if (v & kCmdClo) tfd_ &= ~uint32_t{ata::kStBsy | ata::kStDrq};  // command list override
  if ((old & kCmdSt) && !(cmd_ & kCmdSt)) {  // engine stopped: outstanding commands dropped
    ci_ = 0;
    stopped_on_error_ = false;
  }
}

void AhciPort::issue(const GuestMemory& mem) {
  for (unsigned slot = 0; slot < kSlots && ci_; ++slot) {
    uint32_t bit = 1u << slot;
    if (!(ci_ & bit)) continue;
    if (!run_slot(slot, mem)) {
      stopped_on_error_ = true;
      return;  // PxCI keeps the failed command and those after it
    }
    ci_ &= ~bit;
  }
}

bool AhciPort::run_slot(unsigned slot, const GuestMemory& mem) {
  ++commands_;
  uint8_t header[16];
  uint64_t header_at = clb_ + uint64_t{slot} * kHeaderBytes;
  Command c;
  Outcome o;
  if (!mem.read(header_at, header, sizeof header)) {
    o = abort();
  } else {
    uint32_t flags = le32(header);
    uint64_t table = (uint64_t{le32(header + 12)} << 32 | le32(header + 8)) & ~uint64_t{0x7F};
    uint8_t raw[kCfisBytes + 16];
    if (!mem.read(table, raw, sizeof raw) || !load_ahci_prdt(mem, table + kPrdtOffset, flags >> 16, &c.prd)) {
      o = abort();
    } else {
      memcpy(c.fis, raw, kCfisBytes);
      memcpy(c.acmd, raw + kAcmdOffset, sizeof c.acmd);
      c.write = flags & (1u << 6);
      if (c.fis[0] != kFisH2d) {
        o = abort();
      } else if (!(c.fis[1] & kH2dCommandBit)) {
        // A control FIS (software reset, 10.4.1): SRST set resets the device; the
        // signature is reported when it is released.
        if (!(c.fis[15] & 0x04)) {
          link_reset();
          if (cd_) cd_->reset();
        }
        return true;
      } else {
        o = kind_ == IdeDriveKind::kDisk ? execute_disk(c, mem) : execute_cdrom(c, mem);
      }
    }
    uint8_t count[4];
    put_le32(count, static_cast<uint32_t>(c.prd.moved()));
    mem.write(header_at + 4, count, sizeof count);  // PRDBC
  }
  post_fises(o, mem);
  tfd_ = uint32_t{o.error} << 8 | o.status;
  if (o.status & ata::kStErr) {
    ++errors_;
    is_ |= kIsTfes;
    return false;
  }
  return true;
}

void AhciPort::post_fises(const Outcome& o, const GuestMemory& mem) {
  auto fill_lba = [&](uint8_t* f) {
    f[4] = static_cast<uint8_t>(o.lba);
    f[5] = static_cast<uint8_t>(o.lba >> 8);
    f[6] = static_cast<uint8_t>(o.lba >> 16);
    f[7] = ata::kDeviceLba;
    f[8] = static_cast<uint8_t>(o.lba >> 24);
    f[9] = static_cast<uint8_t>(o.lba >> 32);
    f[10] = static_cast<uint8_t>(o.lba >> 40);
  };
  bool receive = cmd_ & kCmdFre;
  if (o.pio_in) {
    // PIO setup FIS (SATA 2.6 10.3.11): D (device to host) | I; status with DRQ at the
    // start of the transfer, E_Status the status after it (what Linux's ahci reads).
    uint8_t f[20]{};
    f[0] = kFisPioSetup;
    f[1] = 0x20 | 0x40;
    f[2] = static_cast<uint8_t>(o.status | ata::kStDrq);
    f[3] = o.error;
    fill_lba(f);
    f[15] = o.status;
    put_le16(f + 16, 512);
    if (receive) mem.write(fb_ + kRfisPioSetup, f, sizeof f);
    is_ |= kIsPss;
  }
  uint8_t f[20]{};
  f[0] = kFisD2h;
  f[1] = 0x40;  // I: interrupt
  f[2] = o.status;
  f[3] = o.error;
  fill_lba(f);
  if (receive) mem.write(fb_ + kRfisD2h, f, sizeof f);
  is_ |= kIsDhrs;
}

}  // namespace vireo
