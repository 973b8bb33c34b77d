// NvmeController registers, doorbells, queue processing and completions (NVM Express
// 1.4c sections 3.1, 4.1, 4.6, 7.6).
#include "devices/storage/nvme_controller.h"

#include <cstring>

#include "core/guest_memory.h"
#include "core/le_bytes.h"
#include "core/vcpu_context.h"
#include "devices/storage/nvme_regs.h"

namespace vireo {

using namespace nvme;

NvmeController::NvmeController(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line,
                               BlockBackend& disk)
    : PciDevice(std::move(name), res, 0x15AD, 0x07F0, kClassCode, 0x00),
      irq_(irq),
      disk_(disk),
      serial_("VMware NVME_0000") {
  add_mmio_bar(0, kBarSize, false, this);
  set_subsystem(0x15AD, 0x07F0);
  config_write(kInterruptLine, 1, irq_line);
  set_interrupt_pin(1);
}

void NvmeController::reset() {
  std::lock_guard guard(mu_);
  aqa_ = 0;
  asq_ = acq_ = 0;
  intms_ = 0;
  controller_reset();
  update_irq_locked();
}

uint64_t NvmeController::commands() const {
  std::lock_guard guard(mu_);
  return commands_;
}

// CC.EN 1 -> 0 (7.6.2): queues deleted, outstanding commands dropped, CSTS.RDY 0; the
// admin queue registers keep their values.
void NvmeController::controller_reset() {
  cc_ = csts_ = 0;
  sq_.fill(Sq{});
  cq_.fill(Cq{});
  async_events_ = 0;
  write_cache_ = true;
  std::memset(feature_dw_, 0, sizeof feature_dw_);
}

uint64_t NvmeController::read_reg(unsigned offset) const {
  switch (offset) {
    case kCap:
      // MQES, contiguous queues required, timeout 7.5 s (15 x 500 ms), NVM command set,
      // doorbell stride 4 bytes, 4 KiB pages only.
      return (kMaxEntries - 1) | 1ull << 16 | 15ull << 24 | 1ull << 37;
    case kVs: return kVersion14;
    case kIntms:
    case kIntmc: return intms_;
    case kCc: return cc_;
    case kCsts: return csts_;
    case kAqa: return aqa_;
    case kAsq: return asq_;
    case kAcq: return acq_;
    default: return 0;
  }
}

void NvmeController::write_cc(uint32_t v) {
  bool was = cc_ & kCcEn, now = v & kCcEn;
  if (was && !now) {
    controller_reset();
    return;
  }
  cc_ = v;
  if (!was && now) {
    uint32_t sqs = (aqa_ & 0xFFF) + 1, cqs = ((aqa_ >> 16) & 0xFFF) + 1;
    unsigned mps = (v >> 7) & 0xF, css = (v >> 4) & 0x7;
    if (sqs < 2 || cqs < 2 || mps != 0 || css != 0 || !asq_ || !acq_) {
      csts_ = kCsCfs;  // controller fatal status: the host resets it
      return;
    }
    sq_[0] = Sq{true, asq_ & ~(kPage - 1), sqs, 0, 0, 0};
    cq_[0] = Cq{true, acq_ & ~(kPage - 1), cqs, 0, 0, true, true};
    csts_ = kCsRdy;
  }
  if ((v >> kCcShnShift) & 3) csts_ = (csts_ & ~(3u << kCsShstShift)) | 2u << kCsShstShift;  // shutdown complete
}

void NvmeController::write_reg(unsigned offset, uint32_t v, const GuestMemory& mem) {
  switch (offset) {
    case kIntms: intms_ |= v & 1; break;   // one vector (INTx): bit 0
    case kIntmc: intms_ &= ~(v & 1); break;
    case kCc: write_cc(v); break;
    case kAqa: aqa_ = v & 0x0FFF0FFF; break;
    case kAsq: asq_ = (asq_ & ~uint64_t{0xFFFFFFFF}) | (v & ~0xFFFu); break;
    case kAsq + 4: asq_ = uint64_t{v} << 32 | (asq_ & 0xFFFFFFFF); break;
    case kAcq: acq_ = (acq_ & ~uint64_t{0xFFFFFFFF}) | (v & ~0xFFFu); break;
    case kAcq + 4: acq_ = uint64_t{v} << 32 | (acq_ & 0xFFFFFFFF); break;
    default:
      if (offset >= kDoorbells && offset < kDoorbells + 8 * kQueues) doorbell((offset - kDoorbells) / 4, v, mem);
      break;
  }
}

// Doorbell `index`: 2y = SQ y tail, 2y + 1 = CQ y head. A value past the queue's end,
// or a doorbell of a queue that does not exist, is ignored (the specification reports
// it through an asynchronous event, which is optional to deliver).
void NvmeController::doorbell(unsigned index, uint32_t v, const GuestMemory& mem) {
  if (!(csts_ & kCsRdy)) return;
  unsigned qid = index / 2;
  if (index % 2 == 0) {
    Sq& sq = sq_[qid];
    if (!sq.live || v >= sq.size) return;
    sq.tail = v;
  } else {
    Cq& cq = cq_[qid];
    if (!cq.live || v >= cq.size) return;
    cq.head = v;
  }
  process(mem);
}

// Runs every available submission entry whose completion queue has room, round-robin
// over the submission queues one entry at a time (arbitration: round robin, 4.11).
void NvmeController::process(const GuestMemory& mem) {
  for (bool progress = true; progress;) {
    progress = false;
    for (unsigned qid = 0; qid < kQueues; ++qid) {
      Sq& sq = sq_[qid];
      if (!sq.live || sq.head == sq.tail) continue;
      Cq& cq = cq_[sq.cqid];
      if (!cq.live || cq_full(cq)) continue;
      uint8_t sqe[kSqeBytes];
      bool fetched = mem.read(sq.base + uint64_t{sq.head} * kSqeBytes, sqe, sizeof sqe);
      sq.head = (sq.head + 1) % sq.size;
      progress = true;
      ++commands_;
      uint16_t cid = le16(sqe + 2);
      Done d;
      if (!fetched)
        d.status = kDataTransferError;
      else
        d = qid == 0 ? admin(sqe, mem) : io(sqe, mem);
      // A queue the command deleted (its own, or its CQ) takes no completion.
      if (d.post && cq_[sq.cqid].live && (qid == 0 || sq_[qid].live)) post(cq_[sq.cqid], qid, cid, d, mem);
      if (!csts_) return;  // the command reset the controller (never by design; keep safe)
    }
  }
}

void NvmeController::post(Cq& cq, unsigned sqid, uint16_t cid, const Done& d, const GuestMemory& mem) {
  uint8_t e[kCqeBytes]{};
  put_le32(e, d.dw0);
  put_le16(e + 8, static_cast<uint16_t>(sq_[sqid].head));
  put_le16(e + 10, static_cast<uint16_t>(sqid));
  put_le16(e + 12, cid);
  put_le16(e + 14, static_cast<uint16_t>((cq.phase ? 1 : 0) | d.status << 1));
  mem.write(cq.base + uint64_t{cq.tail} * kCqeBytes, e, sizeof e);
  cq.tail = (cq.tail + 1) % cq.size;
  if (cq.tail == 0) cq.phase = !cq.phase;
}

void NvmeController::update_irq_locked() {
  bool pending = false;
  for (const Cq& cq : cq_) pending |= cq.live && cq.interrupts && cq.head != cq.tail;
  bool level = pending && !(intms_ & 1) && !(config_read(kCommand, 2) & kCmdIntxDisable);
  if (level != line_) {
    line_ = level;
    irq_.set_level(level);
  }
}

// 32-bit registers take 32-bit accesses, CAP/ASQ/ACQ also 64-bit ones (3.1); narrower
// reads see the addressed bytes, narrower writes are dropped.
uint32_t NvmeController::read32(unsigned offset) const {
  if (offset == kCap + 4 || offset == kAsq + 4 || offset == kAcq + 4)
    return static_cast<uint32_t>(read_reg(offset - 4) >> 32);
  return static_cast<uint32_t>(read_reg(offset));
}

void NvmeController::bar_read(int, uint64_t offset, uint8_t* data, unsigned size, VcpuContext&) {
  uint8_t bytes[8];
  unsigned dword = static_cast<unsigned>(offset & ~uint64_t{3});
  {
    std::lock_guard guard(mu_);
    put_le32(bytes, read32(dword));
    put_le32(bytes + 4, read32(dword + 4));
  }
  for (unsigned i = 0; i < size; ++i) {
    uint64_t at = (offset & 3) + i;
    data[i] = at < 8 ? bytes[at] : 0;
  }
}

void NvmeController::bar_write(int, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext& vcpu) {
  if ((size != 4 && size != 8) || (offset & (size - 1))) return;
  std::lock_guard guard(mu_);
  write_reg(static_cast<unsigned>(offset), le32(data), vcpu.memory());
  if (size == 8) write_reg(static_cast<unsigned>(offset + 4), le32(data + 4), vcpu.memory());
  update_irq_locked();
}

}  // namespace vireo
