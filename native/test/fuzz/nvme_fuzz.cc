// libFuzzer target for the NVMe controller (native/src/devices/storage/nvme_*): the input
// is a program of register and doorbell writes, register reads and guest-memory writes,
// so admin and I/O submission entries, PRPs and PRP lists are whatever the fuzzer makes
// of them. Shortcuts do what a driver does (enable with admin queues at fixed places,
// create I/O queue pair 1, submit one entry on a queue and ring its doorbell), so the
// fuzzer reaches commands quickly. Guest memory is fuzz_guest.h's (holes, ROM, slot
// edges); the disk is small. Checked by ASan/UBSan and FuzzDisk (no request outside it).
#include <cstddef>
#include <cstdint>

#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/storage/nvme_controller.h"
#include "fuzz_guest.h"

using namespace vireo;
using vireo_fuzz::FuzzDisk;

namespace {

constexpr uint64_t kBar = 0xFE000000;
constexpr unsigned kEntries = 16;
// Queue pair q: SQ at 0x10000 + q * 0x2000, CQ 0x1000 above it.
uint64_t sq_base(unsigned q) { return 0x10000 + q * 0x2000ull; }

FuzzDisk& disk_image() {
  static FuzzDisk d(64 * 512, false);
  return d;
}

struct Rig {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu{m.mem()};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  FuzzDisk& disk = disk_image();
  NvmeController nvme{"nvme", PciResources{&pio, &mmio, nullptr}, irq, 5, disk};
  uint16_t tail[2] = {};
  Rig() {
    m.clear();
    disk.clear();
    nvme.assign_bar(0, static_cast<uint32_t>(kBar));
    nvme.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  }
  void wr(unsigned reg, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + reg, b, 4, vcpu);
  }
  // One 64-byte submission entry at the tail of queue q, then its doorbell.
  void submit(unsigned q, uint8_t opcode, uint32_t nsid, uint64_t prp1, uint64_t prp2,
              uint32_t cdw10, uint32_t cdw11, uint32_t cdw12) {
    uint64_t e = sq_base(q) + tail[q] * 64ull;
    m.fill(e, 0, 64);
    m.poke32(e, opcode | uint32_t(tail[q]) << 16);  // CID = slot
    m.poke32(e + 4, nsid);
    m.poke64(e + 24, prp1);
    m.poke64(e + 32, prp2);
    m.poke32(e + 40, cdw10);
    m.poke32(e + 44, cdw11);
    m.poke32(e + 48, cdw12);
    tail[q] = uint16_t((tail[q] + 1) % kEntries);
    wr(0x1000 + 8 * q, tail[q]);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig r;
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 9) {
      case 0: {  // register write anywhere in the BAR (doorbells included), 4 or 8 bytes
        unsigned off = in.u16() & 0x3FFF;
        uint8_t v[8];
        uint64_t value = in.u64();
        put_le32(v, uint32_t(value));
        put_le32(v + 4, uint32_t(value >> 32));
        r.mmio.write(kBar + off, v, in.u8() & 1 ? 8 : 4, r.vcpu);
        break;
      }
      case 1: {  // register read of any width
        unsigned off = in.u16() & 0x3FFF;
        uint8_t out[8];
        r.mmio.read(kBar + off, out, in.width(), r.vcpu);
        break;
      }
      case 2: vireo_fuzz::guest_write(in, r.m); break;
      case 3: vireo_fuzz::guest_fill(in, r.m); break;
      case 4: {  // a doorbell: SQ/CQ index 0-31 and a value
        unsigned db = in.u8() % 32;
        r.wr(0x1000 + 4 * db, in.u16());
        break;
      }
      case 5:  // enable with admin queues of 16 entries
        r.wr(0x14, 0);
        r.tail[0] = r.tail[1] = 0;
        r.wr(0x24, (kEntries - 1) << 16 | (kEntries - 1));
        r.wr(0x28, uint32_t(sq_base(0)));
        r.wr(0x30, uint32_t(sq_base(0) + 0x1000));
        r.wr(0x14, 1 | 6u << 16 | 4u << 20);
        break;
      case 6:  // create I/O CQ 1 and SQ 1 (admin opcodes 05h, 01h), physically contiguous
        r.submit(0, 0x05, 0, sq_base(1) + 0x1000, 0, 1 | (kEntries - 1) << 16, 3, 0);
        r.submit(0, 0x01, 0, sq_base(1), 0, 1 | (kEntries - 1) << 16, 1 | 1u << 16, 0);
        break;
      case 7: {  // one entry on the admin or I/O queue: opcode, NSID, PRPs, SLBA, NLB
        unsigned q = in.u8() & 1;
        uint8_t opcode = in.u8();
        uint32_t nsid = in.u8() & 3;
        uint64_t prp1 = in.gpa(), prp2 = in.gpa();
        uint32_t slba = in.u8(), cdw11 = in.u8() & 1 ? in.u32() : 0, nlb = in.u16();
        r.submit(q, opcode, nsid, prp1, prp2, slba, cdw11, nlb);
        break;
      }
      default: r.disk.fail_after(in.u8()); break;
    }
  }
  return 0;
}
