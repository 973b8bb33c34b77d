// libFuzzer target for the PIIX3 IDE function with its two ATA channels (native/src/
// devices/storage/ide_*, ata_*, atapi.*): the input is a program of port accesses of any width
// on the command and control blocks, bursts of data-port transfers (whole DRQ blocks),
// PCI config cycles, and a shortcut that loads the task file and issues a command (as
// SeaBIOS and Linux's ata_piix do), so the fuzzer reaches ATA reads/writes, IDENTIFY and
// ATAPI packets quickly. Primary master: disk, primary slave: CD-ROM with a medium,
// secondary master: empty CD-ROM drive. Images are small, so LBAs run off the end.
// Checked by ASan/UBSan and FuzzDisk (no request outside an image, no write to the CD).
#include <cstddef>
#include <cstdint>

#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/pci/pci_host.h"
#include "devices/storage/ide_controller.h"
#include "fuzz_guest.h"

using namespace vireo;
using vireo_fuzz::FuzzDisk;

namespace {

FuzzDisk& disk_image() {
  static FuzzDisk d(64 * 512, false);
  return d;
}
FuzzDisk& cd_image() {
  static FuzzDisk d(8 * 2048, true);
  return d;
}

constexpr uint16_t kPorts[] = {0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6,
                               0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376};

struct Rig {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu{m.mem()};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq14, irq15;
  PciHost host;
  FuzzDisk& disk = disk_image();
  FuzzDisk& cd = cd_image();
  PiixIde ide{PciResources{&pio, &mmio, nullptr}, irq14, irq15};
  Rig() {
    disk.clear();
    cd.clear();
    ide.attach(0, 0, IdeDriveKind::kDisk, &disk);
    ide.attach(0, 1, IdeDriveKind::kCdrom, &cd);
    ide.attach(1, 0, IdeDriveKind::kCdrom, nullptr);
    ide.register_ports();
    pio.add(PciHost::kPortBase, PciHost::kPortCount, &host, "pci");
    host.add_device(1, &ide);
  }
  void out8(uint16_t port, uint8_t v) { pio.write(port, &v, 1, vcpu); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig r;
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 8) {
      case 0: {  // port write, any width
        uint16_t port = kPorts[in.u8() % 18];
        unsigned width = 1u << (in.u8() % 3);
        uint8_t v[4];
        put_le32(v, in.u32());
        r.pio.write(port, v, width, r.vcpu);
        break;
      }
      case 1: {  // port read, any width
        uint16_t port = kPorts[in.u8() % 18];
        uint8_t v[4];
        r.pio.read(port, v, 1u << (in.u8() % 3), r.vcpu);
        break;
      }
      case 2: {  // data-port burst (rep insw/outsw): up to 1024 accesses
        uint16_t port = in.u8() & 1 ? 0x170 : 0x1F0;
        bool write = in.u8() & 1;
        unsigned width = in.u8() & 1 ? 4 : 2;
        unsigned n = (in.u8() + 1u) * 4;
        uint8_t v[4] = {0x5A, 0xA5, 0x3C, 0xC3};
        for (unsigned i = 0; i < n; ++i) {
          if (write) r.pio.write(port, v, width, r.vcpu);
          else r.pio.read(port, v, width, r.vcpu);
        }
        break;
      }
      case 3: {  // task file + command: DH, features, count, LBA (HOB first for LBA48)
        uint16_t base = in.u8() & 1 ? 0x170 : 0x1F0;
        uint8_t dh = in.u8(), feature = in.u8(), cmd = in.u8();
        uint16_t count = in.u16();
        uint64_t lba = in.u64();
        r.out8(base + 6, dh);
        r.out8(base + 1, 0);
        r.out8(base + 2, uint8_t(count >> 8));
        r.out8(base + 3, uint8_t(lba >> 24));
        r.out8(base + 4, uint8_t(lba >> 32));
        r.out8(base + 5, uint8_t(lba >> 40));
        r.out8(base + 1, feature);
        r.out8(base + 2, uint8_t(count));
        r.out8(base + 3, uint8_t(lba));
        r.out8(base + 4, uint8_t(lba >> 8));
        r.out8(base + 5, uint8_t(lba >> 16));
        r.out8(base + 7, cmd);
        break;
      }
      case 4: {  // ATAPI packet command (A0h) and its 12-byte packet on the data port
        uint16_t base = in.u8() & 1 ? 0x170 : 0x1F0;
        r.out8(base + 6, in.u8() & 0x10);
        r.out8(base + 1, 0);
        r.out8(base + 4, in.u8());  // byte count limit low
        r.out8(base + 5, in.u8());
        r.out8(base + 7, 0xA0);
        for (int i = 0; i < 6; ++i) {
          uint8_t w[2] = {in.u8(), in.u8()};
          r.pio.write(base, w, 2, r.vcpu);
        }
        break;
      }
      case 5: {  // PCI config cycle
        uint8_t l[4];
        put_le32(l, 0x80000000u | 1u << 11 | (in.u8() & 0xFC));
        r.pio.write(PciHost::kPortBase, l, 4, r.vcpu);
        uint16_t port = PciHost::kDataPort + (in.u8() & 3);
        unsigned width = 1u << (in.u8() % 3);
        uint8_t v[4];
        put_le32(v, in.u32());
        if (in.u8() & 1) r.pio.write(port, v, width, r.vcpu);
        else r.pio.read(port, v, width, r.vcpu);
        break;
      }
      case 6: r.disk.fail_after(in.u8()); break;
      default: r.ide.reset(); break;
    }
  }
  return 0;
}
