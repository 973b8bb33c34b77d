// libFuzzer target for the NVMe controller (native/src/devices/storage/nvme_*): the input
// is a program of register and doorbell writes, register reads and guest-memory writes,
// so admin and I/O submission entries, PRPs and PRP lists are whatever the fuzzer makes
// of them. Guest memory has a hole (RAM at 0-1 MiB and 2-3 MiB) and the disk is small.
// A shortcut op enables the controller with its admin queues at fixed places, so the
// fuzzer reaches commands quickly. Checked by the sanitizers.
#include <cstddef>
#include <cstdint>

#include "../../src/core/le_bytes.h"
#include "../../src/devices/storage/nvme_controller.h"
#include "../fake_irq.h"
#include "../fake_vcpu.h"

using namespace vireo;

namespace {

using vireo_test::FakeIrq;

constexpr uint64_t kBar = 0xFE000000;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeIrq irq;
  MemoryBlockBackend disk{32 * 512, false};
  NvmeController nvme{"nvme", PciResources{&pio, &mmio, nullptr}, irq, 5, disk};
  Rig() {
    mem.add_region(0, 1 << 20, false);
    mem.add_region(2 << 20, 1 << 20, false);
    nvme.assign_bar(0, static_cast<uint32_t>(kBar));
    nvme.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  }
  void wr(unsigned reg, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + reg, b, 4, vcpu);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig r;
  size_t i = 0;
  auto take = [&](size_t n) -> const uint8_t* {
    if (size - i < n) return nullptr;
    const uint8_t* p = data + i;
    i += n;
    return p;
  };
  while (const uint8_t* op = take(1)) {
    switch (*op % 5) {
      case 0: {  // register write anywhere in the BAR (doorbells included), 4 or 8 bytes
        const uint8_t* a = take(10);
        if (!a) return 0;
        unsigned width = a[9] & 1 ? 8 : 4;
        r.mmio.write(kBar + (le16(a) & 0x3FFF), a + 2, width, r.vcpu);
        break;
      }
      case 1: {  // register read of any width
        const uint8_t* a = take(3);
        if (!a) return 0;
        uint8_t out[8];
        r.mmio.read(kBar + (le16(a) & 0x3FFF), out, 1u << (a[2] % 4), r.vcpu);
        break;
      }
      case 2: {  // guest memory: 3-byte address in the first 4 MiB, 1-byte length, bytes
        const uint8_t* a = take(4);
        if (!a) return 0;
        uint64_t gpa = (uint64_t{a[0]} | uint64_t{a[1]} << 8 | uint64_t{a[2]} << 16) & 0x3FFFFF;
        const uint8_t* bytes = take(a[3]);
        if (!bytes) return 0;
        r.mem.write(gpa, bytes, a[3]);
        break;
      }
      case 3: {  // a doorbell: SQ/CQ index 0-31 and a value
        const uint8_t* a = take(3);
        if (!a) return 0;
        r.wr(0x1000 + 4 * (a[0] % 32), le16(a + 1));
        break;
      }
      default:  // enable with admin queues of 16 entries at 64 KiB / 68 KiB
        r.wr(0x14, 0);
        r.wr(0x24, 15u << 16 | 15);
        r.wr(0x28, 0x10000);
        r.wr(0x30, 0x11000);
        r.wr(0x14, 1 | 6u << 16 | 4u << 20);
        break;
    }
  }
  return 0;
}
