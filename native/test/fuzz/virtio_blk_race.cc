// virtio-blk's descriptors and rings are guest memory a second vCPU may rewrite while the
// device walks them. A thread flips one request chain between a valid 512-byte read and
// hostile variants (a 2 GiB data length, a sector past the end, a write descriptor that
// chains back to itself, an out-of-range head, the OUT type) while the host thread keeps
// publishing and notifying it. The device must copy every descriptor and header once:
// FuzzDisk aborts on any request outside the 64 KiB image, ASan on any host over-read,
// and every used element must name the head that was published.
#include <cstdint>

#include "../check.h"
#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "devices/virtio/virtio_blk.h"
#include "fuzz_guest.h"
#include "race.h"

using namespace vireo;
using vireo_fuzz::guest_store;

TEST(virtio_blk_copies_descriptors_once_while_a_second_vcpu_rewrites_them) {
  constexpr uint64_t kBar = 0xFE000000, kDesc = 0x10000, kAvail = 0x11000, kUsed = 0x12000,
                     kHdr = 0x20000, kData = 0x21000, kStatus = 0x22000;
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  vireo_fuzz::FuzzDisk disk(64 << 10, false);
  VirtioBlk blk(disk, "race");
  VirtioPci pci("virtio-blk", PciResources{&pio, &mmio, nullptr}, VirtioBlk::kDeviceType,
                VirtioBlk::kClassCode, irq, 11, blk);
  CHECK(pci.assign_bar(0, uint32_t(kBar)).ok());
  pci.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  auto wr = [&](unsigned off, uint64_t v, unsigned width) {
    uint8_t b[8];
    for (unsigned i = 0; i < 8; ++i) b[i] = uint8_t(v >> (8 * i));
    mmio.write(kBar + off, b, width, vcpu);
  };
  wr(0x14, 1 | 2, 1);
  wr(0x08, 1, 4);
  wr(0x0C, 1, 4);
  wr(0x14, 1 | 2 | 8, 1);
  wr(0x16, 0, 2);
  wr(0x18, 16, 2);
  wr(0x20, kDesc, 8);
  wr(0x28, kAvail, 8);
  wr(0x30, kUsed, 8);
  wr(0x1C, 1, 2);
  wr(0x14, 1 | 2 | 8 | 4, 1);
  // Chain 0 -> 1 -> 2: header (IN, sector 0), 512 bytes of data, status.
  m.poke64(kDesc, kHdr);
  m.poke32(kDesc + 8, 16);
  m.poke32(kDesc + 12, VirtQueue::kDescNext | 1u << 16);
  m.poke64(kDesc + 16, kData);
  m.poke32(kDesc + 24, 512);
  m.poke32(kDesc + 28, VirtQueue::kDescNext | VirtQueue::kDescWrite | 2u << 16);
  m.poke64(kDesc + 32, kStatus);
  m.poke32(kDesc + 40, 1);
  m.poke32(kDesc + 44, VirtQueue::kDescWrite);
  uint8_t* desc = m.mem().host_ptr(kDesc, 48);
  uint8_t* hdr = m.mem().host_ptr(kHdr, 16);
  uint8_t* ring = m.mem().host_ptr(kAvail, 4 + 32);
  uint8_t* used = m.mem().host_ptr(kUsed, 4 + 8 * 16);
  CHECK(desc && hdr && ring && used);

  uint64_t wrong_head = 0;
  uint16_t idx = 0;
  auto pass = [&] {
    if (pci.device_status() & VirtioPci::kStatusNeedsReset) {  // a hostile chain broke it
      wr(0x14, 0, 1);
      wr(0x14, 1 | 2 | 8, 1);
      wr(0x18, 16, 2);
      wr(0x20, kDesc, 8);
      wr(0x28, kAvail, 8);
      wr(0x30, kUsed, 8);
      wr(0x1C, 1, 2);
      wr(0x14, 1 | 2 | 8 | 4, 1);
      idx = 0;
    }
    for (int i = 0; i < 8; ++i) guest_store<uint16_t>(ring + 4 + 2 * i, 0);
    ++idx;
    guest_store<uint16_t>(ring + 2, idx);
    wr(VirtioPci::kNotifyOffset, 0, 2);
    uint16_t used_idx = __atomic_load_n(reinterpret_cast<uint16_t*>(used + 2), __ATOMIC_RELAXED);
    if (used_idx) {
      uint32_t head = __atomic_load_n(reinterpret_cast<uint32_t*>(used + 4 + 8 * ((used_idx - 1) % 16)),
                                      __ATOMIC_RELAXED);
      if (head != 0 && head != 0xFFFF) ++wrong_head;
    }
  };
  // One pass before the second vCPU starts: the chain as written is served (so the race
  // below runs against a device that works, however the two threads are scheduled).
  pass();
  CHECK(blk.requests() > 0);
  {
    vireo_fuzz::SecondVcpu other([&](uint64_t round, bool bad) {
      switch (round % 5) {
        case 0: guest_store<uint32_t>(desc + 24, bad ? 0x80000000u : 512u); break;
        case 1: guest_store<uint64_t>(hdr + 8, bad ? ~0ull / 512 : 0); break;
        case 2:  // descriptor 1 chains to itself: a loop the walk must bound
          guest_store<uint16_t>(desc + 30, bad ? 1 : 2);
          break;
        case 3: guest_store<uint16_t>(ring + 4, bad ? 0xFFFF : 0); break;  // head out of range
        default: guest_store<uint32_t>(hdr, bad ? VirtioBlk::kTypeOut : VirtioBlk::kTypeIn); break;
      }
    });
    uint64_t passes = vireo_fuzz::host_loop(pass);
    CHECK(passes > 1000);
  }
  CHECK_EQ(wrong_head, 0u);
}
