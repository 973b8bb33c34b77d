// libFuzzer target for PCI configuration mechanism #1 and BAR decoding (native/src/
// devices/pci/pci_host.*, pci_device.*): config cycles through 0xCF8-0xCFF with any latch
// value and width (other buses, functions, unaligned data ports), assign_resources() with
// fuzzed windows, config resets, and bus accesses near every BAR, on a bus with the
// i440FX host bridge, virtio-blk (a real 16 KiB MMIO BAR with capabilities) and a test
// function that has every BAR kind: I/O, MMIO, 64 KiB RAM (a KVM slot), prefetchable
// 1 MiB MMIO and an 8 KiB expansion ROM. Checked by ASan/UBSan and, after every op:
// a decoding BAR lies inside its window and is aligned to its size; a RAM BAR's slot is
// where the BAR decodes; an exit reaches a BAR handler only with an offset inside the BAR.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/pci/pci_host.h"
#include "devices/virtio/virtio_blk.h"
#include "fuzz_guest.h"

using namespace vireo;

namespace {

class AllBars : public PciDevice, private PciBarHandler {
 public:
  explicit AllBars(PciResources res) : PciDevice("allbars", res, 0x1234, 0x5678, 0xFF0000, 1) {
    ram_.allocate(64 << 10);
    rom_.allocate(8 << 10);
    if (!add_io_bar(0, 32, this).ok() || !add_mmio_bar(1, 4096, false, this).ok() ||
        !add_ram_bar(2, &ram_, true, true).ok() || !add_mmio_bar(3, 1 << 20, true, this).ok() ||
        !set_rom(&rom_).ok())
      std::abort();
    set_interrupt_pin(1);
  }
  std::vector<uint64_t> dirty() {
    std::vector<uint64_t> bitmap;
    take_dirty(2, &bitmap);
    return bitmap;
  }

 private:
  void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext&) override {
    check(bar, offset);
    for (unsigned i = 0; i < size; ++i) data[i] = uint8_t(offset + i);
  }
  void bar_write(int bar, uint64_t offset, const uint8_t*, unsigned, VcpuContext&) override {
    check(bar, offset);
  }
  void check(int bar, uint64_t offset) {
    if (bar_type(bar) == BarType::kNone || offset >= bar_size(bar)) std::abort();
  }
  HostPages ram_, rom_;
};

struct Rig {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu{m.mem()};
  PioBus pio;
  MmioBus mmio;
  vireo_fuzz::FuzzSlots slots;
  PciResources res{&pio, &mmio, &slots};
  vireo_test::FakeIrq irq;
  vireo_fuzz::FuzzDisk disk{8 * 512, false};
  VirtioBlk blk{disk, "pci"};
  PciHost host;
  PciHostBridge bridge{res};
  AllBars all{res};
  VirtioPci virtio{"virtio-blk", res, VirtioBlk::kDeviceType, VirtioBlk::kClassCode, irq, 11, blk};
  PciDevice* devices[3] = {&bridge, &all, &virtio};
  Rig() {
    pio.add(PciHost::kPortBase, PciHost::kPortCount, &host, "pci");
    host.add_device(0, &bridge);
    host.add_device(1, &all);
    host.add_device(5, &virtio);
  }
  void check() {
    for (PciDevice* d : devices)
      for (int bar = 0; bar <= PciDevice::kRomBarIndex; ++bar) {
        uint64_t at = d->bar_decoded_at(bar), size = d->bar_size(bar);
        if (!at) continue;
        if (at & (size - 1)) std::abort();
        if (d->bar_type(bar) == PciDevice::BarType::kIo) {
          if (at < PciDevice::kIoWindowStart || at + size > PciDevice::kIoWindowEnd) std::abort();
        } else if (at < PciDevice::kMemWindowStart || at + size > PciDevice::kMemWindowEnd) {
          std::abort();
        }
      }
    uint64_t ram_at = all.bar_decoded_at(2);
    if (ram_at && !slots.at(ram_at)) std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig r;
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 7) {
      case 0: {  // latch write of any width at any of 0xCF8-0xCFB
        uint8_t v[4];
        uint32_t latch;
        if (in.u8() & 1) {
          latch = in.u32();
        } else {
          latch = 0x80000000u | (in.u8() & 7u) << 11;  // bus 0, slot 0-7, function 0
          latch |= in.u8() & 0xFC;
        }
        put_le32(v, latch);
        unsigned port = PciHost::kPortBase + (in.u8() & 3), width = 1u << (in.u8() % 3);
        r.pio.write(port, v, width, r.vcpu);
        break;
      }
      case 1: {  // data write: BARs, COMMAND, ROM BAR, anything
        unsigned port = PciHost::kPortBase + (in.u8() & 7), width = 1u << (in.u8() % 3);
        uint8_t v[4];
        put_le32(v, in.u32());
        r.pio.write(port, v, width, r.vcpu);
        break;
      }
      case 2: {  // data read
        unsigned port = PciHost::kPortBase + (in.u8() & 7), width = 1u << (in.u8() % 3);
        uint8_t v[4];
        r.pio.read(port, v, width, r.vcpu);
        break;
      }
      case 3: {  // a whole BAR/COMMAND programming step through the direct interface
        unsigned slot = in.u8() % 8, offset = in.u8(), width = 1u << (in.u8() % 3);
        offset &= ~(width - 1);
        r.host.config_write(0, slot, 0, offset, width, in.u32());
        break;
      }
      case 4: {  // firmware-style assignment into fuzzed windows
        uint16_t io = in.u16();
        uint32_t lo = in.u32(), hi = in.u32();
        r.host.assign_resources(io, lo, hi);
        break;
      }
      case 5: {  // bus access near a BAR (either side of its edges) or anywhere
        PciDevice* d = r.devices[in.u8() % 3];
        int bar = in.u8() % 7;
        uint64_t at = d->bar_decoded_at(bar) + int8_t(in.u8());
        if (in.u8() & 1) at += d->bar_size(bar);  // around the end instead of the start
        unsigned width = in.width();
        uint8_t v[8] = {};
        if (d->bar_type(bar) == PciDevice::BarType::kIo) {
          if (in.u8() & 1) r.pio.write(at & 0xFFFF, v, width > 4 ? 4 : width, r.vcpu);
          else r.pio.read(at & 0xFFFF, v, width > 4 ? 4 : width, r.vcpu);
        } else if (in.u8() & 1) {
          r.mmio.write(at, v, width, r.vcpu);
        } else {
          r.mmio.read(at, v, width, r.vcpu);
        }
        break;
      }
      default:
        switch (in.u8() % 3) {
          case 0: r.devices[in.u8() % 3]->reset_config(); break;
          case 1: r.all.dirty(); break;
          default: r.virtio.reset(); break;
        }
        break;
    }
    r.check();
  }
  return 0;
}
