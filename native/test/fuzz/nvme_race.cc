// NVMe submission entries and PRP lists are guest memory a second vCPU may rewrite while
// the controller fetches and runs them. A thread flips the I/O queue's entries between a
// valid 1-sector READ into one page and hostile variants (NLB 65535, PRP2 pointing at a
// PRP list whose entries are flipped between a page and an address in a hole, an
// unaligned PRP1, the WRITE opcode, namespace 7) while the host thread submits them and
// reaps completions as a driver does (phase tag, CQ head doorbell). The controller must
// copy each entry and PRP list once: FuzzDisk aborts on any request outside the 64 KiB
// image, ASan on any host over-read, and every completion names a command identifier
// that was submitted.
#include <cstdint>

#include "../check.h"
#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/storage/nvme_controller.h"
#include "fuzz_guest.h"
#include "race.h"

using namespace vireo;
using vireo_fuzz::guest_store;

TEST(nvme_copies_entries_and_prp_lists_once_while_a_second_vcpu_rewrites_them) {
  constexpr uint64_t kBar = 0xFE000000, kAsq = 0x10000, kAcq = 0x11000, kIosq = 0x12000,
                     kIocq = 0x13000, kList = 0x14000, kBuf = 0x20000;
  constexpr unsigned kEntries = 16;
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  vireo_fuzz::FuzzDisk disk(64 << 10, false);
  NvmeController nvme("nvme", PciResources{&pio, &mmio, nullptr}, irq, 5, disk);
  CHECK(nvme.assign_bar(0, uint32_t(kBar)).ok());
  nvme.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  auto wr = [&](unsigned reg, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + reg, b, 4, vcpu);
  };
  auto sqe = [&](uint64_t at, uint8_t opcode, uint16_t cid, uint64_t prp1, uint64_t prp2,
                 uint32_t cdw10, uint32_t cdw11, uint32_t cdw12) {
    m.fill(at, 0, 64);
    m.poke32(at, opcode | uint32_t{cid} << 16);
    m.poke32(at + 4, 1);
    m.poke64(at + 24, prp1);
    m.poke64(at + 32, prp2);
    m.poke32(at + 40, cdw10);
    m.poke32(at + 44, cdw11);
    m.poke32(at + 48, cdw12);
  };
  wr(0x24, (kEntries - 1) << 16 | (kEntries - 1));
  wr(0x28, uint32_t(kAsq));
  wr(0x30, uint32_t(kAcq));
  wr(0x14, 1 | 6u << 16 | 4u << 20);
  sqe(kAsq, 0x05, 1, kIocq, 0, 1 | (kEntries - 1) << 16, 1, 0);        // create I/O CQ 1
  sqe(kAsq + 64, 0x01, 2, kIosq, 0, 1 | (kEntries - 1) << 16, 1 | 1u << 16, 0);  // SQ 1 -> CQ 1
  wr(0x1000, 2);
  uint8_t* acq = m.mem().host_ptr(kAcq, 32);
  CHECK(acq && (le32(acq + 12) >> 17) == 0 && (le32(acq + 28) >> 17) == 0);  // both succeeded
  wr(0x1004, 2);
  for (unsigned i = 0; i < kEntries; ++i) sqe(kIosq + 64 * i, 0x02, uint16_t(i), kBuf, kList, 0, 0, 0);
  m.poke64(kList, kBuf + 0x1000);
  uint8_t* sq = m.mem().host_ptr(kIosq, 64 * kEntries);
  uint8_t* list = m.mem().host_ptr(kList, 4096);
  uint8_t* cq = m.mem().host_ptr(kIocq, 16 * kEntries);
  CHECK(sq && list && cq);

  uint64_t bad_cid = 0, completions = 0;
  {
    vireo_fuzz::SecondVcpu other([&](uint64_t round, bool bad) {
      uint8_t* e = sq + 64 * (round / 6 % kEntries);
      switch (round % 6) {
        case 0: guest_store<uint16_t>(e + 48, bad ? 0xFFFF : 0); break;  // NLB
        case 1: guest_store<uint16_t>(e + 48, bad ? 8 : 0); break;       // 9 sectors: PRP list
        case 2: guest_store<uint64_t>(list + 8 * (round / 6 % 8), bad ? 0x350000 : kBuf); break;
        case 3: guest_store<uint64_t>(e + 24, bad ? kBuf + 0xFFC : kBuf); break;
        case 4: guest_store<uint8_t>(e, bad ? 0x01 : 0x02); break;  // WRITE / READ
        default: guest_store<uint32_t>(e + 4, bad ? 7 : 1); break;  // namespace
      }
    });
    unsigned tail = 0, head = 0;
    uint16_t phase = 1;
    uint64_t passes = vireo_fuzz::host_loop([&] {
      tail = (tail + 1) % kEntries;
      wr(0x1008, tail);  // SQ 1 tail doorbell
      for (;;) {
        uint32_t dw3 = __atomic_load_n(reinterpret_cast<uint32_t*>(cq + 16 * head + 12), __ATOMIC_RELAXED);
        if (((dw3 >> 16) & 1) != phase) break;
        if ((dw3 & 0xFFFF) >= kEntries) ++bad_cid;
        ++completions;
        head = (head + 1) % kEntries;
        if (!head) phase ^= 1;
        wr(0x100C, head);  // CQ 1 head doorbell
      }
    });
    CHECK(passes > 1000);
  }
  CHECK_EQ(bad_cid, 0u);
  CHECK(completions > 1000);
}
