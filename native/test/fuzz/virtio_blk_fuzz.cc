// libFuzzer target for virtio-blk over the virtio 1.0 PCI transport (native/src/devices/
// virtio/virtio_pci.*, virtio_queue.*, virtio_blk.*): the input is a program of BAR0 accesses
// (common config, ISR, device config, notify), PCI config cycles through 0xCF8/0xCFC,
// guest-memory writes, and shortcuts that do what Linux's virtio_blk does (initialize
// queue 0 with its rings at fixed places; publish one request chain header / data /
// status and notify), so the fuzzer reaches requests quickly and then mutates rings and
// descriptors byte by byte. Guest memory is fuzz_guest.h's (holes, ROM, slot edges); the
// disk is small and may fail on demand. Checked by ASan/UBSan and FuzzDisk.
#include <cstddef>
#include <cstdint>

#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/pci/pci_host.h"
#include "devices/virtio/virtio_blk.h"
#include "fuzz_guest.h"

using namespace vireo;
using vireo_fuzz::FuzzDisk;

namespace {

constexpr uint64_t kBar = 0xFE000000;
constexpr uint64_t kDesc = 0x10000, kAvail = 0x11000, kUsed = 0x12000, kBuffers = 0x20000;

FuzzDisk& disk_image(bool ro) {
  static FuzzDisk rw(64 * 512, false), cd(64 * 512, true);
  return ro ? cd : rw;
}

struct Rig {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu{m.mem()};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  PciHost host;
  FuzzDisk& disk;
  VirtioBlk blk;
  VirtioPci pci;
  uint16_t size = 16, avail_idx = 0;
  explicit Rig(bool read_only)
      : disk(disk_image(read_only)),
        blk(disk, "fuzz-serial-0123456789"),
        pci("virtio-blk", PciResources{&pio, &mmio, nullptr}, VirtioBlk::kDeviceType,
            VirtioBlk::kClassCode, irq, 11, blk) {
    m.clear();
    disk.clear();
    pio.add(PciHost::kPortBase, PciHost::kPortCount, &host, "pci");
    host.add_device(3, &pci);
    pci.assign_bar(0, static_cast<uint32_t>(kBar));
    pci.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  }
  void wr(unsigned off, uint64_t v, unsigned width) {
    uint8_t b[8];
    for (unsigned i = 0; i < 8; ++i) b[i] = uint8_t(v >> (8 * i));
    mmio.write(kBar + off, b, width, vcpu);
  }
  // virtio 1.0 3.1.1 driver initialization of queue 0 with `qsize` entries.
  void init(uint16_t qsize) {
    wr(0x14, 0, 1);
    wr(0x14, VirtioPci::kStatusAcknowledge | VirtioPci::kStatusDriver, 1);
    wr(0x08, 1, 4);  // driver_feature_select 1: VERSION_1 (bit 32) and nothing else
    wr(0x0C, 1, 4);
    wr(0x14, VirtioPci::kStatusAcknowledge | VirtioPci::kStatusDriver | VirtioPci::kStatusFeaturesOk, 1);
    wr(0x16, 0, 2);
    wr(0x18, qsize, 2);
    wr(0x20, kDesc, 8);
    wr(0x28, kAvail, 8);
    wr(0x30, kUsed, 8);
    wr(0x1C, 1, 2);
    wr(0x14, VirtioPci::kStatusAcknowledge | VirtioPci::kStatusDriver |
                 VirtioPci::kStatusFeaturesOk | VirtioPci::kStatusDriverOk, 1);
    size = qsize ? qsize : 1;
    avail_idx = 0;
  }
  void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    uint64_t d = kDesc + 16ull * (i % size);
    m.poke64(d, addr);
    m.poke32(d + 8, len);
    m.poke32(d + 12, flags | uint32_t(next) << 16);
  }
};

// One request: header descriptor (16 bytes at a buffer), 0-2 data descriptors, a status
// byte; flags as a driver sets them unless the fuzzer asks otherwise.
void request(Rig& r, vireo_fuzz::Input& in) {
  uint16_t head = in.u8() % r.size;
  uint32_t type = in.u8() % 10;
  uint64_t sector = in.u8() & 0x80 ? in.u64() : in.u8();
  unsigned ndata = in.u8() % 3;
  uint64_t data_at = in.u8() & 1 ? in.gpa() : kBuffers + 0x1000;
  uint32_t data_len = (in.u16() & 0x1FF) * 64;
  uint8_t flag_bits = in.u8();
  uint64_t hdr = kBuffers + head * 32ull;
  r.m.poke32(hdr, type);
  r.m.poke32(hdr + 4, 0);
  r.m.poke64(hdr + 8, sector);
  bool in_dir = type == VirtioBlk::kTypeIn || type == VirtioBlk::kTypeGetId;
  uint16_t i = head;
  auto next = [&](uint16_t k) { return uint16_t((k + 1) % r.size); };
  r.desc(i, hdr, 16, VirtQueue::kDescNext, next(i));
  for (unsigned k = 0; k < ndata; ++k) {
    i = next(i);
    uint16_t f = VirtQueue::kDescNext | (in_dir ? VirtQueue::kDescWrite : 0);
    if (flag_bits & (1u << k)) f ^= VirtQueue::kDescWrite;
    r.desc(i, data_at + k * uint64_t{data_len}, data_len, f, next(i));
  }
  i = next(i);
  r.desc(i, kBuffers + 0x800 + head, 1, flag_bits & 0x80 ? VirtQueue::kDescNext : VirtQueue::kDescWrite,
         next(i));
  r.m.poke(kAvail + 4 + 2ull * (r.avail_idx % r.size), reinterpret_cast<uint8_t*>(&head), 2);
  ++r.avail_idx;
  r.m.poke(kAvail + 2, reinterpret_cast<uint8_t*>(&r.avail_idx), 2);
  r.wr(VirtioPci::kNotifyOffset, 0, 2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::Input in(data, size);
  Rig r(in.u8() & 1);
  while (in.more()) {
    switch (in.u8() % 10) {
      case 0: {  // BAR0 write of any width
        unsigned off = in.u16() & 0x3FFF;
        unsigned width = in.width();
        r.wr(off, in.u64(), width);
        break;
      }
      case 1: {
        unsigned off = in.u16() & 0x3FFF;
        uint8_t out[8];
        r.mmio.read(kBar + off, out, in.width(), r.vcpu);
        break;
      }
      case 2: vireo_fuzz::guest_write(in, r.m); break;
      case 3: vireo_fuzz::guest_fill(in, r.m); break;
      case 4: r.init(uint16_t(1u << (in.u8() % 10))); break;  // 1..512 (256 is the maximum)
      case 5: request(r, in); break;
      case 6: {  // notify any queue (only 0 exists) with any value
        unsigned q = in.u8() % 4;
        r.wr(VirtioPci::kNotifyOffset + 4 * q, in.u16(), 2);
        break;
      }
      case 7: {  // PCI config cycle: address latch then data, any width and offset
        uint32_t latch = 0x80000000u | 3u << 11 | (in.u8() & 0xFC);
        uint8_t l[4];
        put_le32(l, latch);
        r.pio.write(PciHost::kPortBase, l, 4, r.vcpu);
        unsigned port = PciHost::kDataPort + (in.u8() & 3);
        unsigned width = 1u << (in.u8() % 3);
        uint8_t v[4];
        put_le32(v, in.u32());
        if (in.u8() & 1) r.pio.write(port, v, width, r.vcpu);
        else r.pio.read(port, v, width, r.vcpu);
        break;
      }
      case 8: r.disk.fail_after(in.u8()); break;
      default: r.pci.reset(); break;
    }
  }
  return 0;
}
