// virtio-blk over the modern virtio PCI transport: capabilities, feature negotiation,
// requests through a split virtqueue in a GuestMemory, and hostile rings/descriptors.
#include "devices/pci/pci_host.h"
#include "devices/virtio/virtio_blk.h"

#include <cstring>

#include "check.h"
#include "fake_irq.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {

using vireo_test::FakeIrq;

constexpr uint64_t kBar = 0xFE000000, kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000;
constexpr uint16_t kQ = 8;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeIrq irq;
  MemoryBlockBackend disk;
  VirtioBlk blk;
  VirtioPci pci;
  uint16_t avail_idx = 0;

  explicit Rig(bool ro = false)
      : disk(32 * 512, ro), blk(disk, "vireo-serial-0123456789"),
        pci("virtio-blk", PciResources{&pio, &mmio, nullptr}, VirtioBlk::kDeviceType,
            VirtioBlk::kClassCode, irq, 11, blk) {
    mem.add_region(0, 1 << 20, false);
    for (size_t i = 0; i < disk.data().size(); ++i) disk.data()[i] = static_cast<uint8_t>(i ^ (i >> 9));
    pci.assign_bar(0, kBar);
    pci.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  }
  uint32_t rd(uint64_t off, unsigned size = 4) {
    uint8_t b[8];
    mmio.read(kBar + off, b, size, vcpu);
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; ++i) v |= uint32_t{b[i]} << (8 * i);
    return v;
  }
  void wr(uint64_t off, uint32_t v, unsigned size = 4) {
    uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    mmio.write(kBar + off, b, size, vcpu);
  }
  // The driver initialization of virtio 1.0 3.1.1 with queue 0 of kQ entries.
  bool init(uint64_t features, uint64_t desc_table = kDesc) {
    wr(0x14, 1, 1);
    wr(0x14, 3, 1);
    wr(0x08, 0);
    wr(0x0C, static_cast<uint32_t>(features));
    wr(0x08, 1);
    wr(0x0C, static_cast<uint32_t>(features >> 32));
    wr(0x14, 0x0B, 1);
    if (!(rd(0x14, 1) & 0x08)) return false;
    wr(0x16, 0, 2);
    wr(0x18, kQ, 2);
    wr(0x20, static_cast<uint32_t>(desc_table));
    wr(0x24, static_cast<uint32_t>(desc_table >> 32));
    wr(0x28, kAvail);
    wr(0x2C, 0);
    wr(0x30, kUsed);
    wr(0x34, 0);
    wr(0x1C, 1, 2);
    wr(0x14, 0x0F, 1);
    return rd(0x1C, 2) == 1;
  }
  void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    uint8_t d[16];
    for (int k = 0; k < 8; ++k) d[k] = static_cast<uint8_t>(addr >> (8 * k));
    for (int k = 0; k < 4; ++k) d[8 + k] = static_cast<uint8_t>(len >> (8 * k));
    d[12] = static_cast<uint8_t>(flags);
    d[13] = static_cast<uint8_t>(flags >> 8);
    d[14] = static_cast<uint8_t>(next);
    d[15] = static_cast<uint8_t>(next >> 8);
    mem.write(kDesc + 16ull * i, d, 16);
  }
  void header(uint64_t at, uint32_t type, uint64_t sector) {
    uint8_t h[16] = {};
    for (int k = 0; k < 4; ++k) h[k] = static_cast<uint8_t>(type >> (8 * k));
    for (int k = 0; k < 8; ++k) h[8 + k] = static_cast<uint8_t>(sector >> (8 * k));
    mem.write(at, h, 16);
  }
  void submit(uint16_t head) {
    uint8_t e[2] = {static_cast<uint8_t>(head), static_cast<uint8_t>(head >> 8)};
    mem.write(kAvail + 4 + 2ull * (avail_idx % kQ), e, 2);
    ++avail_idx;
    uint8_t idx[2] = {static_cast<uint8_t>(avail_idx), static_cast<uint8_t>(avail_idx >> 8)};
    mem.write(kAvail + 2, idx, 2);
    wr(0x3000, 0, 2);  // notify queue 0
  }
  uint16_t used_idx() {
    uint8_t b[2];
    mem.read(kUsed + 2, b, 2);
    return static_cast<uint16_t>(b[0] | b[1] << 8);
  }
  uint32_t used_len(uint16_t slot) {
    uint8_t b[4];
    mem.read(kUsed + 4 + 8ull * slot + 4, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t{b[3]} << 24;
  }
  uint8_t byte(uint64_t gpa) {
    uint8_t v = 0;
    mem.read(gpa, &v, 1);
    return v;
  }
  // Three-descriptor request: header at 0x4000, data at 0x5000 (len), status at 0x6000.
  void request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, bool data_in) {
    header(0x4000, type, sector);
    mem.write(0x6000, "\xEE", 1);
    desc(0, 0x4000, 16, VirtQueue::kDescNext, 1);
    desc(1, data, len, static_cast<uint16_t>(VirtQueue::kDescNext | (data_in ? VirtQueue::kDescWrite : 0)), 2);
    desc(2, 0x6000, 1, VirtQueue::kDescWrite, 0);
    submit(0);
  }
};

constexpr uint64_t kWanted = VirtioPci::kFeatureVersion1 | VirtioBlk::kFeatureFlush |
                             VirtioBlk::kFeatureBlkSize | VirtioBlk::kFeatureSegMax;

}  // namespace

TEST(virtio_blk_pci_identity_and_capabilities) {
  Rig r;
  CHECK_EQ(r.pci.config_read(0, 4), 0x10421AF4u);
  CHECK_EQ(r.pci.config_read(0x2C, 4), 0x00021AF4u);
  CHECK_EQ(r.pci.config_read(0x06, 2) & 0x10, 0x10u);
  CHECK_EQ(r.pci.config_read(0x3C, 2), 0x010Bu);  // line 11, pin A
  unsigned types[5] = {}, at = r.pci.config_read(0x34, 1), n = 0;
  while (at && n < 8) {
    CHECK_EQ(r.pci.config_read(at, 1), 0x09u);
    unsigned type = r.pci.config_read(at + 3, 1);
    CHECK(type >= 1 && type <= 4);
    if (type >= 1 && type <= 4) types[type] = r.pci.config_read(at + 8, 4) + 1;  // offset + 1
    if (type == 2) CHECK_EQ(r.pci.config_read(at + 16, 4), 4u);
    CHECK_EQ(r.pci.config_read(at + 4, 1), 0u);  // BAR 0
    at = r.pci.config_read(at + 1, 1);
    ++n;
  }
  CHECK_EQ(n, 4u);
  CHECK_EQ(types[1], 0x0001u);
  CHECK_EQ(types[2], 0x3001u);
  CHECK_EQ(types[3], 0x1001u);
  CHECK_EQ(types[4], 0x2001u);
  // Device configuration: capacity 32 sectors, seg_max, blk_size.
  CHECK_EQ(r.rd(0x2000), 32u);
  CHECK_EQ(r.rd(0x2004), 0u);
  CHECK_EQ(r.rd(0x200C), 254u);
  CHECK_EQ(r.rd(0x2014), 512u);
  CHECK_EQ(r.rd(0x2F00), 0u);
  CHECK_EQ(r.rd(0x12, 2), 1u);      // num_queues
  CHECK_EQ(r.rd(0x18, 2), 256u);    // queue_size (max)
  CHECK_EQ(r.rd(0x10, 2), 0xFFFFu); // msix_config: NO_VECTOR
}

TEST(virtio_blk_feature_negotiation) {
  Rig r;
  r.wr(0x00, 1);
  CHECK_EQ(r.rd(0x04), 1u);  // VERSION_1 in the high word
  r.wr(0x00, 0);
  CHECK_EQ(r.rd(0x04), uint32_t(VirtioBlk::kFeatureFlush | VirtioBlk::kFeatureBlkSize | VirtioBlk::kFeatureSegMax));
  CHECK(!r.init(VirtioBlk::kFeatureFlush));          // no VERSION_1: FEATURES_OK refused
  r.wr(0x14, 0, 1);                                  // reset
  CHECK_EQ(r.rd(0x14, 1), 0u);
  CHECK(!r.init(kWanted | (1ull << 28)));            // a feature not offered
  r.wr(0x14, 0, 1);
  CHECK(r.init(kWanted));
  CHECK_EQ(r.pci.driver_features(), kWanted);
  Rig ro(true);
  ro.wr(0x00, 0);
  CHECK_EQ(ro.rd(0x04) & VirtioBlk::kFeatureRo, VirtioBlk::kFeatureRo);
  // Queue configuration: invalid sizes ignored, misaligned rings never enable.
  r.wr(0x14, 0, 1);
  r.wr(0x18, 100, 2);
  CHECK_EQ(r.rd(0x18, 2), 256u);
  r.wr(0x20, kDesc + 8);
  r.wr(0x1C, 1, 2);
  CHECK_EQ(r.rd(0x1C, 2), 0u);
  r.wr(0x16, 5, 2);  // no queue 5
  CHECK_EQ(r.rd(0x18, 2), 0u);
}

TEST(virtio_blk_requests_round_trip) {
  Rig r;
  CHECK(r.init(kWanted));
  r.request(VirtioBlk::kTypeIn, 3, 0x5000, 1024, true);  // sectors 3-4
  CHECK_EQ(r.used_idx(), 1);
  CHECK_EQ(r.used_len(0), 1025u);
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusOk);
  uint8_t buf[1024];
  r.mem.read(0x5000, buf, sizeof buf);
  CHECK(memcmp(buf, r.disk.data().data() + 3 * 512, 1024) == 0);
  CHECK(r.irq.level);
  CHECK_EQ(r.rd(0x1000, 1), 1u);  // ISR: queue interrupt, read-to-clear
  CHECK(!r.irq.level);
  CHECK_EQ(r.rd(0x1000, 1), 0u);
  // OUT to sector 20.
  memset(buf, 0x5A, 512);
  r.mem.write(0x7000, buf, 512);
  r.request(VirtioBlk::kTypeOut, 20, 0x7000, 512, false);
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusOk);
  CHECK_EQ(r.used_len(1), 1u);
  CHECK_EQ(r.disk.data()[20 * 512 + 100], 0x5A);
  // FLUSH (header + status only).
  r.header(0x4000, VirtioBlk::kTypeFlush, 0);
  r.desc(0, 0x4000, 16, VirtQueue::kDescNext, 2);
  r.submit(0);
  CHECK_EQ(r.disk.flushes(), 1u);
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusOk);
  // GET_ID: 20 bytes.
  r.request(VirtioBlk::kTypeGetId, 0, 0x5000, 20, true);
  CHECK(memcmp(r.mem.host_ptr(0x5000, 20), "vireo-serial-0123456", 20) == 0);
  CHECK_EQ(r.used_len(3), 21u);
  // Unknown type: UNSUPP.
  r.request(0x77, 0, 0x5000, 512, true);
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusUnsupp);
  // Header, data and status split differently: header over two descriptors, data and
  // status in one writable descriptor.
  r.header(0x4000, VirtioBlk::kTypeIn, 1);
  r.desc(0, 0x4000, 5, VirtQueue::kDescNext, 1);
  r.desc(1, 0x4005, 11, VirtQueue::kDescNext, 2);
  r.desc(2, 0x8000, 513, VirtQueue::kDescWrite, 0);
  r.submit(0);
  CHECK_EQ(r.byte(0x8000 + 512), VirtioBlk::kStatusOk);
  CHECK(memcmp(r.mem.host_ptr(0x8000, 512), r.disk.data().data() + 512, 512) == 0);
  // The driver's NO_INTERRUPT hint.
  r.rd(0x1000, 1);
  r.mem.write(kAvail, "\x01\x00", 2);
  r.request(VirtioBlk::kTypeIn, 0, 0x5000, 512, true);
  CHECK(!r.irq.level);
  CHECK_EQ(r.used_idx(), 7);
}

TEST(virtio_blk_bad_requests_get_ioerr) {
  Rig r;
  CHECK(r.init(kWanted));
  uint64_t before = r.disk.accesses();
  r.request(VirtioBlk::kTypeIn, 31, 0x5000, 1024, true);  // runs past the end
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusIoErr);
  r.request(VirtioBlk::kTypeIn, 0xFFFFFFFFFFFFFFFFull, 0x5000, 512, true);  // sector * 512 overflows
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusIoErr);
  r.request(VirtioBlk::kTypeOut, 0, 0x5000, 100, false);  // not a multiple of 512
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusIoErr);
  CHECK_EQ(r.disk.accesses(), before);
  r.request(VirtioBlk::kTypeIn, 0, 0xFFFF0000ull, 512, true);  // data outside guest memory
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusIoErr);
  r.request(VirtioBlk::kTypeOut, 0, (1 << 20) - 256, 512, false);  // straddles the end of RAM
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusIoErr);
  CHECK_EQ(r.disk.data()[0], 0);
  // Header too short: IOERR. No writable byte at all: returned with length 0.
  r.desc(0, 0x4000, 8, VirtQueue::kDescNext, 2);
  r.submit(0);
  CHECK_EQ(r.byte(0x6000), VirtioBlk::kStatusIoErr);
  r.desc(0, 0x4000, 16, 0, 0);
  r.submit(0);
  CHECK_EQ(r.used_len(6), 0u);
  CHECK_EQ(r.used_idx(), 7);
  CHECK_EQ(r.rd(0x14, 1) & VirtioPci::kStatusNeedsReset, 0u);
  Rig ro(true);
  CHECK(ro.init(kWanted | VirtioBlk::kFeatureRo));
  ro.request(VirtioBlk::kTypeOut, 0, 0x5000, 512, false);
  CHECK_EQ(ro.byte(0x6000), VirtioBlk::kStatusIoErr);
}

TEST(virtio_blk_hostile_rings_break_the_queue) {
  struct Case {
    const char* name;
    void (*setup)(Rig&);
  };
  const Case cases[] = {
      {"loop", [](Rig& r) {
         r.desc(0, 0x4000, 16, VirtQueue::kDescNext, 1);
         r.desc(1, 0x5000, 512, VirtQueue::kDescNext | VirtQueue::kDescWrite, 0);
         r.submit(0);
       }},
      {"next out of range", [](Rig& r) {
         r.desc(0, 0x4000, 16, VirtQueue::kDescNext, 9);
         r.submit(0);
       }},
      {"head out of range", [](Rig& r) { r.submit(kQ); }},
      {"huge length", [](Rig& r) {
         r.desc(0, 0x4000, 16, VirtQueue::kDescNext, 1);
         r.desc(1, 0x5000, 0xFFFFFFFFu, VirtQueue::kDescWrite, 0);
         r.submit(0);
       }},
      {"indirect", [](Rig& r) {
         r.desc(0, 0x4000, 16, VirtQueue::kDescIndirect, 0);
         r.submit(0);
       }},
      {"readable after writable", [](Rig& r) {
         r.desc(0, 0x4000, 16, VirtQueue::kDescNext | VirtQueue::kDescWrite, 1);
         r.desc(1, 0x5000, 16, 0, 0);
         r.submit(0);
       }},
      {"avail index jumps", [](Rig& r) {
         r.avail_idx = kQ + 3;
         r.submit(0);
       }},
      {"descriptor table outside memory", [](Rig& r) {
         r.wr(0x14, 0, 1);
         r.init(kWanted, 0xFFFFFF00u);
         r.submit(0);
       }},
  };
  for (const Case& c : cases) {
    Rig r;
    CHECK(r.init(kWanted));
    c.setup(r);
    bool broken = r.rd(0x14, 1) & VirtioPci::kStatusNeedsReset;
    if (!broken) std::fprintf(stderr, "  case '%s' did not break the queue\n", c.name);
    CHECK(broken);
    CHECK_EQ(r.rd(0x1000, 1) & 2, 2u);  // configuration interrupt
    CHECK_EQ(r.used_idx(), 0);
    // Nothing more is processed until the driver resets the device.
    r.request(VirtioBlk::kTypeIn, 0, 0x5000, 512, true);
    CHECK_EQ(r.used_idx(), 0);
    r.wr(0x14, 0, 1);
    CHECK_EQ(r.rd(0x14, 1), 0u);
    r.avail_idx = 0;
    r.mem.write(kAvail, "\0\0\0\0", 4);
    r.mem.write(kUsed, "\0\0\0\0", 4);
    CHECK(r.init(kWanted));
    r.request(VirtioBlk::kTypeIn, 0, 0x5000, 512, true);
    CHECK_EQ(r.used_idx(), 1);
  }
}

TEST(virtio_blk_needs_bus_master_and_driver_ok) {
  Rig r;
  CHECK(r.init(kWanted));
  r.pci.set_command(PciDevice::kCmdMemory);  // bus mastering off: no DMA
  r.request(VirtioBlk::kTypeIn, 0, 0x5000, 512, true);
  CHECK_EQ(r.used_idx(), 0);
  r.pci.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster | PciDevice::kCmdIntxDisable);
  r.wr(0x3000, 0, 2);
  CHECK_EQ(r.used_idx(), 1);
  CHECK(!r.irq.level);  // INTx disabled, ISR still set
  CHECK_EQ(r.rd(0x1000, 1), 1u);
  r.wr(0x3004, 1, 2);    // notify of a queue that does not exist
  r.pci.reset();
  CHECK_EQ(r.pci.device_status(), 0u);
}

// Behind PciHost, as a direct-boot guest sees it: enumeration through 0xCF8/0xCFC,
// the BAR placed by assign_resources, requests through the placed BAR.
TEST(virtio_blk_behind_pci_host) {
  GuestMemory mem;
  mem.add_region(0, 1 << 20, false);
  vireo_test::FakeVcpu vcpu(mem);
  PioBus pio;
  MmioBus mmio;
  FakeIrq irq;
  MemoryBlockBackend disk(64 * 512, false);
  VirtioBlk blk(disk, "x");
  PciResources res{&pio, &mmio, nullptr};
  VirtioPci pci("virtio-blk", res, VirtioBlk::kDeviceType, VirtioBlk::kClassCode, irq, 11, blk);
  PciHost host;
  CHECK(host.add_device(4, &pci).ok());
  CHECK(pio.add(PciHost::kPortBase, PciHost::kPortCount, &host, "pci").ok());
  CHECK(host.assign_resources(0xC000, 0xE0000000u, 0xFEC00000u).ok());
  auto cfg = [&](unsigned reg) {
    uint8_t a[4] = {static_cast<uint8_t>(reg & 0xFC), 4 << 3, 0, 0x80}, d[4];
    pio.write(0xCF8, a, 4, vcpu);
    pio.read(0xCFC, d, 4, vcpu);
    return d[0] | d[1] << 8 | d[2] << 16 | uint32_t{d[3]} << 24;
  };
  CHECK_EQ(cfg(0), 0x10421AF4u);
  uint32_t bar = cfg(0x10);
  CHECK_EQ(bar, 0xE0000000u);
  CHECK_EQ(cfg(0x04) & 3, 2u);  // memory decode on; bus mastering is the driver's to set
  uint8_t v[4];
  mmio.read(bar + 0x2000, v, 4, vcpu);  // capacity through the placed BAR
  CHECK_EQ(v[0], 64);
}
