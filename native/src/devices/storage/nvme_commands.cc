// NvmeController commands: the admin command set (NVM Express 1.4c section 5) and the
// NVM command set's Read, Write and Flush (section 6), decoded from a 64-byte copy of the
// submission entry: CDW0 opcode/CID at 0, NSID at 4, PRP1 at 24, PRP2 at 32, CDW10-15 at
// 40-60.
#include <cstring>

#include "core/le_bytes.h"
#include "devices/storage/nvme_controller.h"
#include "devices/storage/nvme_prp.h"
#include "devices/storage/nvme_regs.h"

namespace vireo {

using namespace nvme;

namespace {
constexpr size_t kChunk = 128 * 1024;
constexpr uint32_t kNsid = 1;

uint32_t cdw(const uint8_t* sqe, unsigned n) { return le32(sqe + 4 * n); }
uint32_t nsid(const uint8_t* sqe) { return le32(sqe + 4); }
uint64_t prp1(const uint8_t* sqe) { return le64(sqe + 24); }
uint64_t prp2(const uint8_t* sqe) { return le64(sqe + 32); }

void put_string(uint8_t* at, size_t width, const std::string& s) {
  for (size_t i = 0; i < width; ++i) at[i] = i < s.size() ? static_cast<uint8_t>(s[i]) : ' ';
}
}  // namespace

NvmeController::Done NvmeController::reply(const uint8_t* sqe, const uint8_t* data, size_t len,
                                           const GuestMemory& mem) {
  GuestSgList sg;
  Done d;
  d.status = load_nvme_prps(mem, prp1(sqe), prp2(sqe), len, &sg);
  if (d.status == kSuccess && !sg.to_guest(mem, data, len)) d.status = kDataTransferError;
  return d;
}

NvmeController::Done NvmeController::identify(const uint8_t* sqe, const GuestMemory& mem) {
  uint8_t page[4096]{};
  uint8_t cns = static_cast<uint8_t>(cdw(sqe, 10));
  uint64_t blocks = disk_.size_bytes() / 512;
  switch (cns) {
    case 0x00:  // namespace
      if (nsid(sqe) != kNsid) return Done{kInvalidNamespace};
      put_le64(page, blocks);       // NSZE
      put_le64(page + 8, blocks);   // NCAP
      put_le64(page + 16, blocks);  // NUSE
      page[25] = 0;                 // NLBAF: one format
      page[26] = 0;                 // FLBAS: format 0, no metadata
      page[128 + 2] = 9;            // LBAF0: 2^9 = 512-byte blocks, no metadata
      break;
    case 0x01:  // controller
      put_le16(page, 0x15AD);       // VID
      put_le16(page + 2, 0x15AD);   // SSVID
      put_string(page + 4, 20, serial_);
      put_string(page + 24, 40, "VMware Virtual NVMe Disk");
      put_string(page + 64, 8, "1.0");
      page[72] = 0;                 // RAB
      page[77] = kMdts;
      put_le16(page + 78, 0);       // CNTLID
      put_le32(page + 80, kVersion14);
      page[111] = 1;                // CNTRLTYPE: I/O controller
      page[258] = 3;                // ACL: 4 aborts
      page[259] = kAsyncEventLimit - 1;
      page[260] = 1 << 1 | 1;       // FRMW: one firmware slot, read-only
      page[512] = 0x66;             // SQES: 64 bytes
      page[513] = 0x44;             // CQES: 16 bytes
      put_le32(page + 516, 1);      // NN
      page[525] = 1;                // VWC: a volatile write cache (Flush is meaningful)
      std::memcpy(page + 768, "nqn.2014-08.org.nvmexpress:uuid:vireo", 37);  // SUBNQN
      break;
    case 0x02:  // active namespace IDs above NSID
      if (nsid(sqe) < kNsid) put_le32(page, kNsid);
      break;
    case 0x03:  // namespace identification descriptors: none
      if (nsid(sqe) != kNsid) return Done{kInvalidNamespace};
      break;
    default:
      return Done{kInvalidField};
  }
  return reply(sqe, page, sizeof page, mem);
}

NvmeController::Done NvmeController::create_cq(const uint8_t* sqe, const GuestMemory& mem) {
  uint32_t qid = cdw(sqe, 10) & 0xFFFF, size = (cdw(sqe, 10) >> 16) + 1, flags = cdw(sqe, 11);
  if (qid == 0 || qid >= kQueues || cq_[qid].live) return Done{kInvalidQueueId};
  if (size < 2 || size > kMaxEntries) return Done{kInvalidQueueSize};
  if (!(flags & 1) || (flags >> 16) != 0 || ((cc_ >> 20) & 0xF) != 4) return Done{kInvalidField};
  uint64_t base = prp1(sqe);
  if (base & (kPage - 1)) return Done{kInvalidPrpOffset};
  if (!mem.host_ptr(base, uint64_t{size} * kCqeBytes)) return Done{kInvalidField};
  cq_[qid] = Cq{true, base, size, 0, 0, true, (flags & 2) != 0};
  return Done{};
}

NvmeController::Done NvmeController::create_sq(const uint8_t* sqe, const GuestMemory& mem) {
  uint32_t qid = cdw(sqe, 10) & 0xFFFF, size = (cdw(sqe, 10) >> 16) + 1, flags = cdw(sqe, 11);
  uint32_t cqid = flags >> 16;
  if (qid == 0 || qid >= kQueues || sq_[qid].live) return Done{kInvalidQueueId};
  if (size < 2 || size > kMaxEntries) return Done{kInvalidQueueSize};
  if (cqid == 0 || cqid >= kQueues || !cq_[cqid].live) return Done{kInvalidCqId};
  if (!(flags & 1) || ((cc_ >> 16) & 0xF) != 6) return Done{kInvalidField};
  uint64_t base = prp1(sqe);
  if (base & (kPage - 1)) return Done{kInvalidPrpOffset};
  if (!mem.host_ptr(base, uint64_t{size} * kSqeBytes)) return Done{kInvalidField};
  sq_[qid] = Sq{true, base, size, 0, 0, cqid};
  return Done{};
}

NvmeController::Done NvmeController::features(const uint8_t* sqe, bool set) {
  uint8_t fid = static_cast<uint8_t>(cdw(sqe, 10));
  uint32_t value = cdw(sqe, 11);
  Done d;
  switch (fid) {
    case 0x06:  // volatile write cache
      if (set) write_cache_ = value & 1;
      d.dw0 = write_cache_ ? 1 : 0;
      return d;
    case 0x07:  // number of queues: 15 submission and 15 completion queues (0-based)
      d.dw0 = (kQueues - 2) << 16 | (kQueues - 2);
      return d;
    case 0x01: case 0x02: case 0x04: case 0x05: case 0x08: case 0x09: case 0x0A: case 0x0B:
      if (set) feature_dw_[fid] = value;
      d.dw0 = feature_dw_[fid];
      return d;
    default:
      return Done{kInvalidField};
  }
}

NvmeController::Done NvmeController::admin(const uint8_t* sqe, const GuestMemory& mem) {
  uint32_t qid = cdw(sqe, 10) & 0xFFFF;
  switch (sqe[0]) {
    case kIdentify: return identify(sqe, mem);
    case kCreateCq: return create_cq(sqe, mem);
    case kCreateSq: return create_sq(sqe, mem);
    case kDeleteSq:
      if (qid == 0 || qid >= kQueues || !sq_[qid].live) return Done{kInvalidQueueId};
      sq_[qid] = Sq{};
      return Done{};
    case kDeleteCq:
      if (qid == 0 || qid >= kQueues || !cq_[qid].live) return Done{kInvalidQueueId};
      for (const Sq& sq : sq_)
        if (sq.live && sq.cqid == qid) return Done{0x10C};  // invalid queue deletion
      cq_[qid] = Cq{};
      return Done{};
    case kSetFeatures: return features(sqe, true);
    case kGetFeatures: return features(sqe, false);
    case kGetLogPage: {
      // Error information (01h), SMART / health (02h), firmware slots (03h): all zero
      // (no errors, no wear, no firmware images).
      uint8_t lid = static_cast<uint8_t>(cdw(sqe, 10));
      if (lid < 1 || lid > 3) return Done{kInvalidLogPage};
      uint64_t dwords = ((cdw(sqe, 10) >> 16) | uint64_t{cdw(sqe, 11) & 0xFFFF} << 16) + 1;
      if (dwords * 4 > kPage) return Done{kInvalidField};
      static const uint8_t zeros[4096]{};
      return reply(sqe, zeros, static_cast<size_t>(dwords * 4), mem);
    }
    case kAbort: {
      Done d;
      d.dw0 = 1;  // the command was not aborted (commands complete within their doorbell)
      return d;
    }
    case kAsyncEvent:
      // Outstanding until an event happens; this controller reports none.
      if (async_events_ == kAsyncEventLimit) return Done{0x105};  // limit exceeded
      ++async_events_;
      return Done{0, 0, false};
    default:
      return Done{kInvalidOpcode};
  }
}

NvmeController::Done NvmeController::read_write(const uint8_t* sqe, bool write, const GuestMemory& mem) {
  uint64_t slba = cdw(sqe, 10) | uint64_t{cdw(sqe, 11)} << 32;
  uint64_t blocks = (cdw(sqe, 12) & 0xFFFF) + 1;
  uint64_t capacity = disk_.size_bytes() / 512;
  uint64_t bytes = blocks * 512;
  if (bytes > (kPage << kMdts)) return Done{kInvalidField};
  if (slba > capacity || blocks > capacity - slba) return Done{kLbaOutOfRange};
  if (write && disk_.read_only()) return Done{0x282};  // write to a read-only range: media error
  GuestSgList sg;
  uint16_t s = load_nvme_prps(mem, prp1(sqe), prp2(sqe), bytes, &sg);
  if (s != kSuccess) return Done{s};
  bounce_.resize(bytes < kChunk ? bytes : kChunk);
  for (uint64_t done = 0; done < bytes;) {
    size_t n = bytes - done < kChunk ? static_cast<size_t>(bytes - done) : kChunk;
    uint64_t at = slba * 512 + done;
    if (write) {
      if (!sg.from_guest(mem, bounce_.data(), n)) return Done{kDataTransferError};
      if (!disk_.write(at, bounce_.data(), n).ok()) return Done{kWriteFault};
    } else {
      if (!disk_.read(at, bounce_.data(), n).ok()) return Done{kUnrecoveredRead};
      if (!sg.to_guest(mem, bounce_.data(), n)) return Done{kDataTransferError};
    }
    done += n;
  }
  return Done{};
}

NvmeController::Done NvmeController::io(const uint8_t* sqe, const GuestMemory& mem) {
  if (nsid(sqe) != kNsid) return Done{kInvalidNamespace};
  switch (sqe[0]) {
    case kRead: return read_write(sqe, false, mem);
    case kWrite: return read_write(sqe, true, mem);
    case kFlush: return disk_.flush().ok() ? Done{} : Done{kWriteFault};
    default: return Done{kInvalidOpcode};
  }
}

}  // namespace vireo
