// NVMe controller: registers and enable, admin commands (identify, queue creation and
// deletion, features, logs), Read/Write/Flush through PRP1/PRP2 and PRP lists, full
// completion queues, phase bits, interrupts, and hostile queues, PRPs and doorbells.
#include "devices/storage/nvme_controller.h"

#include <cstring>

#include "check.h"
#include "core/le_bytes.h"
#include "devices/storage/nvme_regs.h"
#include "fake_irq.h"
#include "fake_vcpu.h"

using namespace vireo;
using namespace vireo::nvme;

namespace {

using vireo_test::FakeIrq;

constexpr uint64_t kBar = 0xFE000000;
constexpr uint64_t kAsqAt = 0x10000, kAcqAt = 0x11000, kIoSq = 0x12000, kIoCq = 0x13000,
                   kBuf = 0x20000, kList = 0x30000;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeIrq irq;
  MemoryBlockBackend disk{256 * 512, false};
  NvmeController nvme{"nvme", PciResources{&pio, &mmio, nullptr}, irq, 5, disk};
  uint32_t asq_tail = 0, acq_head = 0, iosq_tail = 0, iocq_head = 0;
  bool acq_phase = true, iocq_phase = true;
  uint32_t admin_size = 8, io_size = 8;

  Rig() {
    mem.add_region(0, 1 << 20, false);
    for (size_t i = 0; i < disk.data().size(); ++i) disk.data()[i] = static_cast<uint8_t>(i * 3 + (i >> 9));
    nvme.assign_bar(0, static_cast<uint32_t>(kBar));
    nvme.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  }
  uint32_t rd(uint64_t off) {
    uint8_t b[4];
    mmio.read(kBar + off, b, 4, vcpu);
    return le32(b);
  }
  void wr(uint64_t off, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + off, b, 4, vcpu);
  }
  bool enable() {
    wr(kAqa, (admin_size - 1) << 16 | (admin_size - 1));
    wr(kAsq, static_cast<uint32_t>(kAsqAt));
    wr(kAcq, static_cast<uint32_t>(kAcqAt));
    wr(kCc, 1 | 6 << 16 | 4 << 20);
    return rd(kCsts) & kCsRdy;
  }
  // Submits one entry and returns the status of the completion it gets (or -1).
  int submit(bool io, uint8_t op, uint32_t ns, uint64_t p1, uint64_t p2, uint32_t c10, uint32_t c11 = 0,
             uint32_t c12 = 0, uint16_t cid = 0x42, uint32_t* dw0 = nullptr) {
    uint8_t e[64]{};
    e[0] = op;
    put_le16(e + 2, cid);
    put_le32(e + 4, ns);
    put_le64(e + 24, p1);
    put_le64(e + 32, p2);
    put_le32(e + 40, c10);
    put_le32(e + 44, c11);
    put_le32(e + 48, c12);
    uint32_t& tail = io ? iosq_tail : asq_tail;
    uint32_t size = io ? io_size : admin_size;
    mem.write((io ? kIoSq : kAsqAt) + tail * 64ull, e, 64);
    tail = (tail + 1) % size;
    wr(0x1000 + (io ? 8 : 0), tail);
    return reap(io, cid, dw0);
  }
  int reap(bool io, uint16_t cid, uint32_t* dw0 = nullptr) {
    uint32_t& head = io ? iocq_head : acq_head;
    bool& phase = io ? iocq_phase : acq_phase;
    uint8_t c[16];
    mem.read((io ? kIoCq : kAcqAt) + head * 16ull, c, 16);
    uint16_t sf = le16(c + 14);
    if ((sf & 1) != (phase ? 1 : 0) || le16(c + 12) != cid) return -1;
    if (dw0) *dw0 = le32(c);
    head = (head + 1) % (io ? io_size : admin_size);
    if (head == 0) phase = !phase;
    wr(0x1000 + (io ? 12 : 4), head);
    return sf >> 1;
  }
  bool io_queues(uint32_t cq_flags = 1) {
    return submit(false, kCreateCq, 0, kIoCq, 0, (io_size - 1) << 16 | 1, cq_flags) == 0 &&
           submit(false, kCreateSq, 0, kIoSq, 0, (io_size - 1) << 16 | 1, 1u << 16 | 1) == 0;
  }
  uint8_t byte(uint64_t gpa) {
    uint8_t v = 0;
    mem.read(gpa, &v, 1);
    return v;
  }
};

}  // namespace

TEST(nvme_identity_registers_and_enable) {
  Rig r;
  CHECK_EQ(r.nvme.config_read(0, 4), 0x07F015ADu);
  CHECK_EQ(r.nvme.config_read(8, 4) >> 8, 0x010802u);
  CHECK_EQ(r.rd(kCap) & 0xFFFF, NvmeController::kMaxEntries - 1);
  CHECK_EQ(r.rd(kCap + 4) & (1u << 5), 1u << 5);  // CSS: NVM command set
  CHECK_EQ(r.rd(kVs), kVersion14);
  CHECK_EQ(r.rd(kCsts), 0u);
  CHECK(r.enable());
  r.wr(kCc, 0);
  CHECK_EQ(r.rd(kCsts), 0u);
  // An admin queue of one entry is a fatal configuration.
  Rig bad;
  bad.admin_size = 1;
  CHECK(!bad.enable());
  CHECK(bad.rd(kCsts) & kCsCfs);
  // Shutdown notification completes at once.
  CHECK(r.enable());
  r.wr(kCc, 1 | 6 << 16 | 4 << 20 | 1 << 14);
  CHECK_EQ((r.rd(kCsts) >> 2) & 3, 2u);
}

TEST(nvme_identify_controller_and_namespace) {
  Rig r;
  CHECK(r.enable());
  CHECK_EQ(r.submit(false, kIdentify, 0, kBuf, 0, 1), 0);
  CHECK_EQ(r.byte(kBuf), 0xAD);
  CHECK_EQ(r.byte(kBuf + 24), 'V');  // model "VMware Virtual NVMe Disk"
  CHECK_EQ(r.byte(kBuf + 516), 1);   // NN
  CHECK_EQ(r.byte(kBuf + 77), NvmeController::kMdts);
  CHECK_EQ(r.submit(false, kIdentify, 1, kBuf, 0, 0), 0);
  CHECK_EQ(r.byte(kBuf), 0);         // NSZE = 256 = 0x100
  CHECK_EQ(r.byte(kBuf + 1), 1);
  CHECK_EQ(r.byte(kBuf + 130), 9);   // LBAF0.LBADS
  CHECK_EQ(r.submit(false, kIdentify, 2, kBuf, 0, 0), kInvalidNamespace);
  CHECK_EQ(r.submit(false, kIdentify, 0, kBuf, 0, 2), 0);
  CHECK_EQ(r.byte(kBuf), 1);         // active namespace list: 1
  CHECK_EQ(r.submit(false, kIdentify, 0, kBuf, 0, 0x55), kInvalidField);
  CHECK_EQ(r.submit(false, 0x7F, 0, 0, 0, 0), kInvalidOpcode);
  uint32_t dw0 = 0;
  CHECK_EQ(r.submit(false, kSetFeatures, 0, 0, 0, 0x07, 0x00030003, 0, 7, &dw0), 0);
  CHECK_EQ(dw0, 0x000E000Eu);
  CHECK_EQ(r.submit(false, kGetLogPage, 0, kBuf, 0, 0x007F0002), 0);  // SMART, 512 bytes
  CHECK_EQ(r.submit(false, kGetLogPage, 0, kBuf, 0, 0x00000080), kInvalidLogPage);
}

TEST(nvme_read_write_flush_through_prps) {
  Rig r;
  CHECK(r.enable());
  CHECK(r.io_queues());
  // Read 8 KiB (16 blocks) at LBA 4 through PRP1 + PRP2.
  CHECK_EQ(r.submit(true, kRead, 1, kBuf, kBuf + 0x1000, 4, 0, 15), 0);
  bool same = true;
  for (unsigned i = 0; i < 8192; ++i) same &= r.byte(kBuf + i) == r.disk.data()[4 * 512 + i];
  CHECK(same);
  // Write 16 KiB at LBA 100 from four pages named by a PRP list (PRP1 + 3 list entries).
  for (unsigned i = 0; i < 16384; ++i) {
    uint8_t v = static_cast<uint8_t>(i ^ 0x5A);
    r.mem.write(kBuf + 0x8000 + i, &v, 1);
  }
  uint8_t list[24];
  for (unsigned i = 0; i < 3; ++i) put_le64(list + 8 * i, kBuf + 0x8000 + 0x1000 * (i + 1));
  r.mem.write(kList, list, sizeof list);
  CHECK_EQ(r.submit(true, kWrite, 1, kBuf + 0x8000, kList, 100, 0, 31), 0);
  same = true;
  for (unsigned i = 0; i < 16384; ++i) same &= r.disk.data()[100 * 512 + i] == static_cast<uint8_t>(i ^ 0x5A);
  CHECK(same);
  uint64_t flushes = r.disk.flushes();
  CHECK_EQ(r.submit(true, kFlush, 1, 0, 0, 0), 0);
  CHECK_EQ(r.disk.flushes(), flushes + 1);
}

TEST(nvme_command_errors) {
  Rig r;
  CHECK(r.enable());
  CHECK(r.io_queues());
  std::vector<uint8_t> before = r.disk.data();
  CHECK_EQ(r.submit(true, kWrite, 1, kBuf, 0, 255, 0, 1), kLbaOutOfRange);
  CHECK_EQ(r.submit(true, kRead, 2, kBuf, 0, 0, 0, 0), kInvalidNamespace);
  CHECK_EQ(r.submit(true, 0x7E, 1, kBuf, 0, 0, 0, 0), kInvalidOpcode);
  CHECK_EQ(r.submit(true, kRead, 1, kBuf + 2, 0, 0, 0, 0), kInvalidPrpOffset);
  CHECK_EQ(r.submit(true, kRead, 1, kBuf, kBuf + 0x1004, 0, 0, 15), kInvalidPrpOffset);  // PRP2 not a page
  CHECK_EQ(r.submit(true, kRead, 1, kBuf, 0, 250, 0, 15), kLbaOutOfRange);
  CHECK(r.disk.data() == before);
  // Queue management errors.
  CHECK_EQ(r.submit(false, kCreateSq, 0, kIoSq, 0, 7u << 16 | 2, 9u << 16 | 1), kInvalidCqId);
  CHECK_EQ(r.submit(false, kCreateCq, 0, kIoCq, 0, 7u << 16 | 16, 1), kInvalidQueueId);
  CHECK_EQ(r.submit(false, kCreateCq, 0, kIoCq, 0, 7u << 16 | 1, 1), kInvalidQueueId);  // exists
  CHECK_EQ(r.submit(false, kCreateCq, 0, kIoCq, 0, 0u << 16 | 2, 1), kInvalidQueueSize);
  CHECK_EQ(r.submit(false, kCreateCq, 0, 0xFFFFF000, 0, 7u << 16 | 2, 1), kInvalidField);  // not in RAM
  CHECK_EQ(r.submit(false, kDeleteCq, 0, 0, 0, 1), 0x10C);  // SQ 1 still uses it
  CHECK_EQ(r.submit(false, kDeleteSq, 0, 0, 0, 1), 0);
  CHECK_EQ(r.submit(false, kDeleteCq, 0, 0, 0, 1), 0);
  CHECK_EQ(r.submit(false, kDeleteSq, 0, 0, 0, 1), kInvalidQueueId);
}

TEST(nvme_full_completion_queue_holds_submissions_back) {
  Rig r;
  r.io_size = 2;  // room for one completion
  CHECK(r.enable());
  CHECK(r.io_queues());
  uint8_t e[64]{};
  e[0] = kFlush;
  put_le32(e + 4, 1);
  put_le16(e + 2, 1);
  r.mem.write(kIoSq, e, 64);
  put_le16(e + 2, 2);
  r.mem.write(kIoSq + 64, e, 64);
  uint64_t flushes = r.disk.flushes();
  r.wr(0x1008, 1);  // first entry
  r.iosq_tail = 1;
  CHECK_EQ(r.disk.flushes(), flushes + 1);
  r.wr(0x1008, 0);  // second entry: the CQ is full until the host consumes the first
  CHECK_EQ(r.disk.flushes(), flushes + 1);
  CHECK_EQ(r.reap(true, 1), 0);  // CQ head doorbell: the second runs now
  CHECK_EQ(r.disk.flushes(), flushes + 2);
  CHECK_EQ(r.reap(true, 2), 0);  // phase flipped after the wrap
}

TEST(nvme_interrupts) {
  Rig r;
  CHECK(r.enable());
  CHECK(r.io_queues(3));  // IEN
  uint8_t e[64]{};
  e[0] = kFlush;
  put_le32(e + 4, 1);
  put_le16(e + 2, 9);
  r.mem.write(kIoSq, e, 64);
  r.wr(0x1008, 1);
  r.iosq_tail = 1;
  CHECK(r.irq.level);
  r.wr(kIntms, 1);
  CHECK(!r.irq.level);
  r.wr(kIntmc, 1);
  CHECK(r.irq.level);
  CHECK_EQ(r.reap(true, 9), 0);
  CHECK(!r.irq.level);
}

TEST(nvme_hostile_prp_lists_and_doorbells) {
  Rig r;
  CHECK(r.enable());
  CHECK(r.io_queues());
  // A PRP list at the last entry of a page: it can only chain, so no progress: refused.
  CHECK_EQ(r.submit(true, kRead, 1, kBuf, kList + 0xFF8, 0, 0, 31), kInvalidPrpOffset);
  // A list entry pointing outside RAM: the transfer fails, nothing else is written.
  uint8_t list[24];
  put_le64(list, kBuf + 0x1000);
  put_le64(list + 8, 0xFFFFF000);
  put_le64(list + 16, kBuf + 0x3000);
  r.mem.write(kList, list, sizeof list);
  CHECK_EQ(r.submit(true, kRead, 1, kBuf, kList, 0, 0, 31), kDataTransferError);
  // A chained list whose pointer is misaligned.
  uint8_t chain[8];
  put_le64(chain, kList + 3);
  r.mem.write(kList + 0xFF8, chain, 8);
  uint8_t entries[8];
  put_le64(entries, kBuf + 0x1000);
  r.mem.write(kList + 0xFF0, entries, 8);
  CHECK_EQ(r.submit(true, kRead, 1, kBuf, kList + 0xFF0, 0, 0, 31), kInvalidPrpOffset);
  // Doorbells past a queue's end and of queues that do not exist are ignored.
  r.wr(0x1008, 100);
  r.wr(0x1000 + 8 * 9, 1);
  r.wr(0x1000 + 8 * 200, 1);
  CHECK_EQ(r.submit(true, kFlush, 1, 0, 0, 0), 0);
  // Transfers over MDTS are refused.
  CHECK_EQ(r.submit(true, kRead, 1, kBuf, kList, 0, 0, 1100), kInvalidField);
}
