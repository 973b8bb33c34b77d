#include "devices/storage/ide_channel.h"

#include <cstring>

namespace vireo {

namespace {
constexpr uint32_t kMaxBlock = 0x10000;  // largest DRQ block (ATAPI byte count 0xFFFE)
}

IdeChannel::IdeChannel(IrqLine& irq, uint16_t cmd_base, uint16_t ctrl_port, unsigned index)
    : irq_(irq), cmd_base_(cmd_base), ctrl_port_(ctrl_port), index_(index), buf_(kMaxBlock) {}

Status IdeChannel::attach(unsigned unit, IdeDriveKind kind, BlockBackend* backend) {
  std::lock_guard guard(mu_);
  if (unit > 1 || kind == IdeDriveKind::kNone || drives_[unit].kind != IdeDriveKind::kNone ||
      (kind == IdeDriveKind::kDisk && !backend))
    return Status::Error(ErrorCode::kInvalidArgument, "IDE unit taken, out of range or without an image");
  Drive& d = drives_[unit];
  d.kind = kind;
  d.backend = backend;
  std::string tag = std::to_string(index_ * 2 + unit);
  d.serial = "VIREO-IDE-000" + tag;
  if (kind == IdeDriveKind::kDisk) {
    d.model = "Vireo ATA Disk";
    d.ident.sectors = backend->size_bytes() / 512;
    d.ident.cylinders = ata_default_cylinders(d.ident.sectors);
    d.ident.model = d.model;
    d.ident.serial = d.serial;
  } else {
    d.model = "Vireo ATAPI DVD-ROM";
    d.cd = std::make_unique<AtapiCdrom>(backend);
  }
  set_signature(d);
  d.status = kind == IdeDriveKind::kDisk ? kDrdy | kDsc : 0;
  d.error = 0x01;
  return Status::Ok();
}

void IdeChannel::reset() {
  std::lock_guard guard(mu_);
  devctl_ = 0;
  dh_ = 0;
  soft_reset();
  pending_ = false;
  update_irq();
}

// Reset signature (ATA8-ACS 9.12): count 1, LBA low 1; LBA mid/high 00/00 for ATA,
// 14h/EBh for a packet device.
void IdeChannel::set_signature(Drive& d) {
  d.tf = TaskFile{};
  d.tf.count[0] = 1;
  d.tf.lba_low[0] = 1;
  if (d.kind == IdeDriveKind::kCdrom) {
    d.tf.lba_mid[0] = 0x14;
    d.tf.lba_high[0] = 0xEB;
  }
}

void IdeChannel::soft_reset() {
  x_ = Xfer{};
  for (Drive& d : drives_) {
    if (d.kind == IdeDriveKind::kNone) continue;
    set_signature(d);
    d.error = 0x01;  // diagnostic code: device passed
    d.status = d.kind == IdeDriveKind::kDisk ? kDrdy | kDsc : 0;
    d.ident.cur_heads = d.ident.heads;
    d.ident.cur_sectors = d.ident.sectors_per_track;
    d.ident.multiple = 0;
    if (d.cd) d.cd->reset();
  }
}

void IdeChannel::raise_irq() {
  pending_ = true;
  update_irq();
}

void IdeChannel::update_irq() {
  bool level = pending_ && !(devctl_ & kNien);
  if (level != line_) {
    line_ = level;
    irq_.set_level(level);
  }
}

void IdeChannel::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(mu_);
  if (drives_[0].kind == IdeDriveKind::kNone && drives_[1].kind == IdeDriveKind::kNone)
    return;  // empty channel: the bus floats, all ones
  if (port == ctrl_port_) {
    data[0] = (devctl_ & kSrst) ? kBsy : selected().kind == IdeDriveKind::kNone ? 0 : selected().status;
    return;
  }
  unsigned reg = port - cmd_base_;
  if (reg == 0) {
    data_read(data, size);
    return;
  }
  data[0] = read_reg(reg);  // byte registers: wider accesses read all ones above byte 0
}

void IdeChannel::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(mu_);
  if (port == ctrl_port_) {
    uint8_t old = devctl_;
    devctl_ = data[0];
    if ((data[0] & kSrst) && !(old & kSrst)) {
      x_ = Xfer{};  // SRST asserted: everything stops, status reads BSY
    } else if (!(data[0] & kSrst) && (old & kSrst)) {
      soft_reset();
      dh_ &= 0xEF;  // device 0 selected after a reset
    }
    update_irq();
    return;
  }
  unsigned reg = port - cmd_base_;
  if (reg == 0)
    data_write(data, size);
  else
    write_reg(reg, data[0]);
}

uint8_t IdeChannel::read_reg(unsigned reg) {
  Drive& d = selected();
  if (reg == 6) return dh_;
  if (d.kind == IdeDriveKind::kNone) return 0;
  if (devctl_ & kSrst) return reg == 7 ? kBsy : 0;
  unsigned h = (devctl_ & kHob) ? 1 : 0;
  switch (reg) {
    case 1: return d.error;
    case 2: return d.tf.count[h];
    case 3: return d.tf.lba_low[h];
    case 4: return d.tf.lba_mid[h];
    case 5: return d.tf.lba_high[h];
    default:  // 7: status; reading it acknowledges the interrupt
      pending_ = false;
      update_irq();
      return d.status;
  }
}

void IdeChannel::write_reg(unsigned reg, uint8_t v) {
  devctl_ &= static_cast<uint8_t>(~kHob);  // any command-block write clears HOB
  if (reg == 7) {
    execute(v);
    return;
  }
  if (reg == 6) {
    dh_ = v;
    return;
  }
  for (Drive& d : drives_) {
    uint8_t* r = reg == 1 ? d.tf.feature : reg == 2 ? d.tf.count : reg == 3 ? d.tf.lba_low
               : reg == 4 ? d.tf.lba_mid : d.tf.lba_high;
    r[1] = r[0];
    r[0] = v;
  }
}

// ---- PIO transfer engine ----

void IdeChannel::start_in(unsigned unit, uint32_t block, bool atapi) {
  x_.active = true;
  x_.in = true;
  x_.unit = unit;
  x_.atapi = atapi;
  x_.block = block ? (block < kMaxBlock ? block : kMaxBlock) : 512;
  if (!x_.from_backend) {
    x_.offset = 0;
    x_.remaining = x_.reply.size();
  }
  if (!x_.remaining) {  // nothing to move (e.g. allocation length 0)
    x_ = Xfer{};
    complete(unit, true);
    return;
  }
  stage_in();
}

void IdeChannel::stage_in() {
  Drive& d = drives_[x_.unit];
  uint32_t n = x_.remaining < x_.block ? static_cast<uint32_t>(x_.remaining) : x_.block;
  if (x_.from_backend) {
    if (!d.backend || !d.backend->read(x_.offset, buf_.data(), n).ok()) {
      if (x_.atapi && d.cd) {
        d.cd->set_sense({scsi::kMediumError, scsi::kAscUnrecoveredRead, 0});
        fail(x_.unit, scsi::kMediumError << 4);
      } else {
        fail(x_.unit, kUnc);
      }
      return;
    }
  } else {
    memcpy(buf_.data(), x_.reply.data() + x_.offset, n);
  }
  x_.offset += n;
  x_.remaining -= n;
  x_.pos = 0;
  x_.len = n;
  d.status = kDrdy | kDsc | kDrq;
  if (x_.atapi) {  // interrupt reason: I/O = 1 (to host), C/D = 0; byte count of this block
    d.tf.count[0] = 0x02;
    d.tf.lba_mid[0] = static_cast<uint8_t>(n);
    d.tf.lba_high[0] = static_cast<uint8_t>(n >> 8);
  }
  raise_irq();  // PIO data-in: an interrupt at the start of every DRQ block
}

void IdeChannel::start_out(unsigned unit, uint64_t offset, uint64_t bytes, uint32_t block) {
  x_ = Xfer{};
  x_.active = true;
  x_.in = false;
  x_.unit = unit;
  x_.from_backend = true;
  x_.offset = offset;
  x_.remaining = bytes;
  x_.block = block;
  stage_out();  // no interrupt before the first block of a PIO data-out command
}

void IdeChannel::stage_out() {
  x_.pos = 0;
  x_.len = x_.remaining < x_.block ? static_cast<uint32_t>(x_.remaining) : x_.block;
  drives_[x_.unit].status = kDrdy | kDsc | kDrq;
}

void IdeChannel::data_read(uint8_t* data, unsigned size) {
  if (!x_.active || !x_.in || x_.packet || x_.unit != selected_unit()) return;  // all ones
  unsigned n = size < x_.len - x_.pos ? size : x_.len - x_.pos;
  memcpy(data, buf_.data() + x_.pos, n);
  x_.pos += n;
  if (x_.pos == x_.len) block_done();
}

void IdeChannel::data_write(const uint8_t* data, unsigned size) {
  if (!x_.active || x_.in || x_.unit != selected_unit()) return;
  unsigned n = size < x_.len - x_.pos ? size : x_.len - x_.pos;
  if (x_.packet) {
    memcpy(packet_ + x_.pos, data, n);
  } else {
    memcpy(buf_.data() + x_.pos, data, n);
  }
  x_.pos += n;
  if (x_.pos == x_.len) block_done();
}

// The guest moved the last byte of a DRQ block.
void IdeChannel::block_done() {
  unsigned unit = x_.unit;
  if (x_.packet) {
    execute_packet(unit);
    return;
  }
  if (x_.in) {
    if (x_.remaining) {
      stage_in();
    } else {
      bool atapi = x_.atapi;
      x_ = Xfer{};
      complete(unit, atapi);  // ATA PIO-in ends without an interrupt; ATAPI reports status
    }
    return;
  }
  Drive& d = drives_[unit];
  if (!d.backend->write(x_.offset, buf_.data(), x_.len).ok()) {
    fail(unit, kUnc);
    return;
  }
  x_.offset += x_.len;
  x_.remaining -= x_.len;
  if (x_.remaining) {
    stage_out();
    raise_irq();
  } else {
    x_ = Xfer{};
    complete(unit, true);
  }
}

void IdeChannel::complete(unsigned unit, bool irq) {
  Drive& d = drives_[unit];
  d.status = kDrdy | kDsc;
  d.error = 0;
  if (d.kind == IdeDriveKind::kCdrom) d.tf.count[0] = 0x03;  // I/O and C/D: status phase
  if (irq) raise_irq();
}

void IdeChannel::fail(unsigned unit, uint8_t error) {
  x_ = Xfer{};
  Drive& d = drives_[unit];
  d.status = kDrdy | kErr;
  d.error = error;
  if (d.kind == IdeDriveKind::kCdrom) d.tf.count[0] = 0x03;
  raise_irq();
}

}  // namespace vireo
