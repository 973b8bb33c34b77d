// libFuzzer target for the AHCI HBA (native/src/devices/storage/ahci_*): the input is a
// program of register writes/reads on ABAR and guest-memory writes, so command lists,
// command tables, FISes and PRDTs are whatever the fuzzer makes of them. Guest memory has
// a hole (RAM at 0-1 MiB and 2-3 MiB) and the disk is small, so addresses and LBAs run
// off every edge. A disk on port 0 and an ATAPI CD-ROM on port 1.
// Checked by the sanitizers: no out-of-bounds access, no UB, no leak; and that no write
// lands outside the two images (MemoryBlockBackend bounds its own buffer).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../../src/core/le_bytes.h"
#include "../../src/devices/storage/ahci_hba.h"
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
  MemoryBlockBackend disk{16 * 512, false};
  MemoryBlockBackend iso{4 * 2048, true};
  AhciHba hba{"ahci", PciResources{&pio, &mmio, nullptr}, irq, 10};
  Rig() {
    mem.add_region(0, 1 << 20, false);
    mem.add_region(2 << 20, 1 << 20, false);
    hba.attach(0, IdeDriveKind::kDisk, &disk);
    hba.attach(1, IdeDriveKind::kCdrom, &iso);
    hba.assign_bar(5, kBar);
    hba.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
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
    switch (*op % 4) {
      case 0: {  // register write: 2-byte offset, 4-byte value
        const uint8_t* a = take(6);
        if (!a) return 0;
        r.mmio.write(kBar + (le16(a) & 0xFFF), a + 2, 4, r.vcpu);
        break;
      }
      case 1: {  // register read of any width
        const uint8_t* a = take(3);
        if (!a) return 0;
        uint8_t out[8];
        r.mmio.read(kBar + (le16(a) & 0xFFF), out, 1u << (a[2] % 4), r.vcpu);
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
      default: {  // the sequence SeaBIOS uses to start a port, to reach commands quickly
        const uint8_t* a = take(1);
        if (!a) return 0;
        unsigned port = a[0] & 1;
        uint8_t v[4];
        auto wr = [&](unsigned reg, uint32_t value) {
          put_le32(v, value);
          r.mmio.write(kBar + 0x100 + port * 0x80 + reg, v, 4, r.vcpu);
        };
        wr(0x00, 0x10000);
        wr(0x08, 0x11000);
        wr(0x18, 0x17);
        wr(0x38, 0xFFFFFFFF);
        break;
      }
    }
  }
  return 0;
}
