// ATA disk side of the IDE channel: IDENTIFY, PIO reads/writes (LBA28, LBA48, CHS,
// MULTIPLE), interrupts, resets, and hostile register values.
#include "devices/pci/pci_host.h"
#include "devices/storage/ide_controller.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "check.h"
#include "fake_irq.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {

using vireo_test::FakeIrq;

// One channel at the primary ports, driven the way a guest driver does.
struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  FakeIrq irq;
  IdeChannel ch{irq, 0x1F0, 0x3F6, 0};
  MemoryBlockBackend disk;
  explicit Rig(uint64_t bytes = 64 * 512, bool ro = false) : disk(bytes, ro) {
    for (size_t i = 0; i < disk.data().size(); ++i) disk.data()[i] = static_cast<uint8_t>(i * 7 + i / 512);
  }
  uint8_t in(uint16_t port) {
    uint8_t v = 0xFF;
    ch.pio_read(port, &v, 1, vcpu);
    return v;
  }
  uint16_t inw() {
    uint8_t b[2] = {0xFF, 0xFF};
    ch.pio_read(0x1F0, b, 2, vcpu);
    return static_cast<uint16_t>(b[0] | b[1] << 8);
  }
  void out(uint16_t port, uint8_t v) { ch.pio_write(port, &v, 1, vcpu); }
  void outw(uint16_t v) {
    uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
    ch.pio_write(0x1F0, b, 2, vcpu);
  }
  void read_block(uint8_t* dst, unsigned n) {
    for (unsigned i = 0; i < n; i += 2) {
      uint16_t w = inw();
      dst[i] = static_cast<uint8_t>(w);
      dst[i + 1] = static_cast<uint8_t>(w >> 8);
    }
  }
  void lba28(uint32_t lba, uint8_t count, uint8_t cmd, uint8_t dev = 0) {
    out(0x1F6, static_cast<uint8_t>(0xE0 | dev << 4 | ((lba >> 24) & 0xF)));
    out(0x1F2, count);
    out(0x1F3, static_cast<uint8_t>(lba));
    out(0x1F4, static_cast<uint8_t>(lba >> 8));
    out(0x1F5, static_cast<uint8_t>(lba >> 16));
    out(0x1F7, cmd);
  }
  void lba48(uint64_t lba, uint16_t count, uint8_t cmd) {
    out(0x1F6, 0x40);
    out(0x1F2, static_cast<uint8_t>(count >> 8));
    out(0x1F3, static_cast<uint8_t>(lba >> 24));
    out(0x1F4, static_cast<uint8_t>(lba >> 32));
    out(0x1F5, static_cast<uint8_t>(lba >> 40));
    out(0x1F2, static_cast<uint8_t>(count));
    out(0x1F3, static_cast<uint8_t>(lba));
    out(0x1F4, static_cast<uint8_t>(lba >> 8));
    out(0x1F5, static_cast<uint8_t>(lba >> 16));
    out(0x1F7, cmd);
  }
};

std::string ata_string(const uint8_t* id, unsigned word, unsigned words) {
  std::string s;
  for (unsigned i = 0; i < words; ++i) {
    s += static_cast<char>(id[2 * (word + i) + 1]);
    s += static_cast<char>(id[2 * (word + i)]);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}
uint16_t word(const uint8_t* id, unsigned w) { return static_cast<uint16_t>(id[2 * w] | id[2 * w + 1] << 8); }

}  // namespace

TEST(ide_identify_device_words) {
  Rig r(3ull << 30);  // 3 GiB: 6291456 sectors
  CHECK(r.ch.attach(0, IdeDriveKind::kDisk, &r.disk).ok());
  r.out(0x1F6, 0xA0);
  r.out(0x1F7, 0xEC);
  CHECK_EQ(r.in(0x3F6), 0x58);  // DRDY DSC DRQ
  CHECK(r.irq.level);
  uint8_t id[512];
  r.read_block(id, 512);
  CHECK_EQ(r.in(0x1F7) & 0x89, 0);  // BSY, DRQ, ERR clear
  CHECK(!r.irq.level);                 // status read acknowledged the interrupt
  CHECK_EQ(word(id, 0), 0x0040);
  CHECK(ata_string(id, 27, 20) == "Vireo ATA Disk");
  CHECK(ata_string(id, 10, 10) == "VIREO-IDE-0000");
  CHECK_EQ(word(id, 49) & 0x0200, 0x0200);
  CHECK_EQ(word(id, 83) & 0x0400, 0x0400);
  CHECK_EQ(word(id, 60) | uint32_t{word(id, 61)} << 16, 6291456u);
  CHECK_EQ(word(id, 100) | uint32_t{word(id, 101)} << 16, 6291456u);
  CHECK_EQ(word(id, 102) | word(id, 103), 0);
  CHECK_EQ(word(id, 3), 16);
  CHECK_EQ(word(id, 6), 63);
  CHECK_EQ(word(id, 1), 6241);  // 6291456 / (16 * 63)
  CHECK_EQ(r.inw(), 0xFFFF);    // past the transfer: all ones
  // IDENTIFY PACKET DEVICE on a disk aborts.
  r.out(0x1F7, 0xA1);
  CHECK_EQ(r.in(0x1F7), 0x41);
  CHECK_EQ(r.in(0x1F1), IdeChannel::kAbrt);
}

TEST(ide_lba48_capacity_above_lba28) {
  struct Huge : BlockBackend {
    uint64_t size_bytes() const override { return 0x20000000ull * 512; }
    bool read_only() const override { return true; }
    Status read(uint64_t, uint8_t*, size_t) override { return Status::Ok(); }
    Status write(uint64_t, const uint8_t*, size_t) override { return Status::Ok(); }
    Status flush() override { return Status::Ok(); }
  } huge;
  Rig r;
  CHECK(r.ch.attach(0, IdeDriveKind::kDisk, &huge).ok());
  r.out(0x1F6, 0xA0);
  r.out(0x1F7, 0xEC);
  uint8_t id[512];
  r.read_block(id, 512);
  CHECK_EQ(word(id, 60) | uint32_t{word(id, 61)} << 16, 0x0FFFFFFFu);
  CHECK_EQ(word(id, 100) | uint32_t{word(id, 101)} << 16, 0x20000000u);
  CHECK_EQ(word(id, 1), 16383);
}

TEST(ide_read_write_sectors_round_trip) {
  Rig r;
  CHECK(r.ch.attach(0, IdeDriveKind::kDisk, &r.disk).ok());
  // READ SECTORS, 2 sectors at LBA 5: one DRQ block (and interrupt) per sector.
  r.lba28(5, 2, 0x20);
  uint8_t buf[1024];
  CHECK_EQ(r.irq.raises, 1);
  CHECK_EQ(r.in(0x1F7), 0x58);  // acknowledges
  r.read_block(buf, 512);
  CHECK_EQ(r.in(0x3F6) & 0x08, 0x08);  // DRQ for the second sector
  CHECK_EQ(r.irq.raises, 2);
  r.read_block(buf + 512, 512);
  CHECK(memcmp(buf, r.disk.data().data() + 5 * 512, 1024) == 0);
  CHECK_EQ(r.in(0x1F7), 0x50);
  // WRITE SECTORS, 2 sectors at LBA 9.
  r.lba28(9, 2, 0x30);
  CHECK_EQ(r.in(0x1F7), 0x58);  // DRQ, no interrupt for the first block
  for (int i = 0; i < 256; ++i) r.outw(static_cast<uint16_t>(0xA500 + i));
  CHECK_EQ(r.in(0x1F7), 0x58);
  for (int i = 0; i < 256; ++i) r.outw(0x1234);
  CHECK(r.irq.level);
  CHECK_EQ(r.in(0x1F7), 0x50);
  CHECK_EQ(r.disk.data()[9 * 512], 0x00);
  CHECK_EQ(r.disk.data()[9 * 512 + 1], 0xA5);
  CHECK_EQ(r.disk.data()[9 * 512 + 2 * 255], 0xFF);
  CHECK_EQ(r.disk.data()[10 * 512], 0x34);
  CHECK_EQ(r.disk.data()[10 * 512 + 511], 0x12);
  // READ SECTORS EXT reads them back (LBA48 registers).
  r.lba48(10, 1, 0x24);
  r.read_block(buf, 512);
  CHECK(memcmp(buf, r.disk.data().data() + 10 * 512, 512) == 0);
  // WRITE SECTORS EXT + FLUSH CACHE EXT reach the backend.
  r.lba48(63, 1, 0x34);
  for (int i = 0; i < 256; ++i) r.outw(0xBEEF);
  CHECK_EQ(r.disk.data()[63 * 512 + 510], 0xEF);
  r.out(0x1F7, 0xEA);
  CHECK_EQ(r.disk.flushes(), 1u);
  CHECK_EQ(r.in(0x1F7), 0x50);
  // 32-bit data port accesses move four bytes.
  r.lba28(1, 1, 0x20);
  uint8_t d[4];
  r.ch.pio_read(0x1F0, d, 4, r.vcpu);
  CHECK(memcmp(d, r.disk.data().data() + 512, 4) == 0);
}

TEST(ide_multiple_and_chs) {
  Rig r;
  CHECK(r.ch.attach(0, IdeDriveKind::kDisk, &r.disk).ok());
  r.lba28(0, 4, 0xC4);  // READ MULTIPLE before SET MULTIPLE MODE: aborted
  CHECK_EQ(r.in(0x1F7), 0x41);
  r.lba28(0, 3, 0xC6);  // 3 is not a power of two
  CHECK_EQ(r.in(0x1F1), IdeChannel::kAbrt);
  r.lba28(0, 4, 0xC6);
  CHECK_EQ(r.in(0x1F7), 0x50);
  r.irq.raises = 0;
  r.lba28(2, 6, 0xC4);  // blocks of 4 then 2 sectors
  uint8_t buf[6 * 512];
  r.in(0x1F7);
  r.read_block(buf, 4 * 512);
  CHECK_EQ(r.irq.raises, 2);
  r.read_block(buf + 2048, 2 * 512);
  CHECK(memcmp(buf, r.disk.data().data() + 1024, sizeof buf) == 0);
  CHECK_EQ(r.in(0x1F7), 0x50);
  // CHS: INITIALIZE DEVICE PARAMETERS 2 heads x 8 sectors; C/H/S 1/1/3 = LBA (1*2+1)*8+3-1 = 26.
  r.out(0x1F6, 0xA1);
  r.out(0x1F2, 8);
  r.out(0x1F7, 0x91);
  CHECK_EQ(r.in(0x1F7), 0x50);
  r.out(0x1F6, 0xA1);
  r.out(0x1F2, 1);
  r.out(0x1F3, 3);
  r.out(0x1F4, 1);
  r.out(0x1F5, 0);
  r.out(0x1F7, 0x20);
  r.read_block(buf, 512);
  CHECK(memcmp(buf, r.disk.data().data() + 26 * 512, 512) == 0);
  r.out(0x1F3, 0);  // sector 0 does not exist
  r.out(0x1F7, 0x20);
  CHECK_EQ(r.in(0x1F7), 0x41);
}

TEST(ide_hostile_ranges_abort_without_touching_the_image) {
  Rig r;  // 64 sectors
  CHECK(r.ch.attach(0, IdeDriveKind::kDisk, &r.disk).ok());
  uint64_t before = r.disk.accesses();
  r.lba28(63, 2, 0x20);  // runs past the end
  CHECK_EQ(r.in(0x1F7), 0x41);
  CHECK_EQ(r.in(0x1F1), IdeChannel::kAbrt);
  r.lba28(0x0FFFFFFF, 0, 0x30);  // count 0 = 256 sectors at the top of LBA28
  CHECK_EQ(r.in(0x1F7), 0x41);
  r.lba48(0xFFFFFFFFFFFFull, 0, 0x24);  // count 0 = 65536
  CHECK_EQ(r.in(0x1F7), 0x41);
  r.lba48(0xFFFFFFFFFFFFull, 1, 0x42);  // READ VERIFY EXT out of range
  CHECK_EQ(r.in(0x1F7), 0x41);
  CHECK_EQ(r.disk.accesses(), before);
  CHECK_EQ(r.inw(), 0xFFFF);  // no transfer: data reads are all ones
  r.outw(0x1234);            // and data writes go nowhere
  r.out(0x1F7, 0x00);        // NOP aborts
  CHECK_EQ(r.in(0x1F7), 0x41);
  r.out(0x1F7, 0x77);        // unknown command
  CHECK_EQ(r.in(0x1F1), IdeChannel::kAbrt);
  r.out(0x1F1, 0x45);        // SET FEATURES with a DMA transfer mode: aborted
  r.out(0x1F2, 0x22);
  r.out(0x1F1, 0x03);
  r.out(0x1F7, 0xEF);
  CHECK_EQ(r.in(0x1F7), 0x41);
  r.lba28(63, 1, 0x20);  // the last sector is fine
  CHECK_EQ(r.in(0x1F7), 0x58);
  // A new command abandons the transfer.
  r.out(0x1F7, 0xE7);
  CHECK_EQ(r.in(0x1F7), 0x50);
  CHECK_EQ(r.inw(), 0xFFFF);
}

TEST(ide_read_only_image_rejects_writes) {
  Rig r(64 * 512, true);
  CHECK(r.ch.attach(0, IdeDriveKind::kDisk, &r.disk).ok());
  r.lba28(1, 1, 0x30);
  CHECK_EQ(r.in(0x1F7), 0x41);
  CHECK_EQ(r.in(0x1F1), IdeChannel::kAbrt);
}

TEST(ide_nien_srst_and_device_selection) {
  Rig r;
  CHECK(r.ch.attach(0, IdeDriveKind::kDisk, &r.disk).ok());
  r.out(0x3F6, IdeChannel::kNien);
  r.out(0x1F7, 0xE7);
  CHECK(!r.irq.level);  // masked
  r.out(0x3F6, 0);
  CHECK(r.irq.level);   // still pending: unmasking asserts it
  r.in(0x1F7);
  CHECK(!r.irq.level);
  // Register read-back as SeaBIOS's detection does; slave absent reads 0, DH echoes.
  r.out(0x1F6, 0xA0);
  r.out(0x1F2, 0x55);
  r.out(0x1F3, 0xAA);
  CHECK_EQ(r.in(0x1F2), 0x55);
  CHECK_EQ(r.in(0x1F3), 0xAA);
  r.out(0x1F6, 0xB0);
  CHECK_EQ(r.in(0x1F6), 0xB0);
  CHECK_EQ(r.in(0x1F2), 0);
  CHECK_EQ(r.in(0x1F7), 0);
  r.out(0x1F7, 0xEC);  // ignored: no device 1
  CHECK_EQ(r.in(0x1F7), 0);
  // HOB: the previous register value.
  r.out(0x1F6, 0xA0);
  r.out(0x1F4, 0x11);
  r.out(0x1F4, 0x22);
  r.out(0x3F6, IdeChannel::kHob);
  CHECK_EQ(r.in(0x1F4), 0x11);
  r.out(0x3F6, 0);
  CHECK_EQ(r.in(0x1F4), 0x22);
  // SRST: BSY while asserted, ATA signature and DRDY after.
  r.lba28(0, 1, 0x20);
  r.out(0x3F6, IdeChannel::kSrst);
  CHECK_EQ(r.in(0x3F6), 0x80);
  r.out(0x3F6, 0);
  CHECK_EQ(r.in(0x1F7), 0x50);
  CHECK_EQ(r.in(0x1F1), 0x01);
  CHECK_EQ(r.in(0x1F2), 1);
  CHECK_EQ(r.in(0x1F3), 1);
  CHECK_EQ(r.in(0x1F4), 0);
  CHECK_EQ(r.inw(), 0xFFFF);  // the read was cancelled
  // EXECUTE DEVICE DIAGNOSTIC interrupts and reports 01h.
  r.out(0x1F7, 0x90);
  CHECK(r.irq.level);
  CHECK_EQ(r.in(0x1F1), 0x01);
}

TEST(ide_empty_channel_floats_and_controller_config) {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu(mem);
  FakeIrq i14, i15;
  PioBus pio;
  PiixIde ide(PciResources{&pio, nullptr, nullptr}, i14, i15);
  MemoryBlockBackend disk(8 * 512, false);
  disk.data()[512] = 0x42;
  CHECK(ide.attach(0, 0, IdeDriveKind::kDisk, &disk).ok());
  CHECK(!ide.attach(0, 0, IdeDriveKind::kDisk, &disk).ok());  // taken
  CHECK(!ide.attach(2, 0, IdeDriveKind::kDisk, &disk).ok());
  CHECK(!ide.attach(1, 1, IdeDriveKind::kDisk, nullptr).ok());
  CHECK(ide.register_ports().ok());
  CHECK_EQ(ide.config_read(0, 4), 0x70108086u);
  CHECK_EQ(ide.config_read(0x08, 4), 0x01018000u);
  CHECK_EQ(ide.config_read(0x40, 4), 0x80008000u);
  CHECK_EQ(ide.config_read(0x20, 4), 0u);  // BAR4: no bus master
  uint8_t v = 0;
  CHECK(pio.read(0x177, &v, 1, vcpu));
  CHECK_EQ(v, 0xFF);  // empty secondary channel floats
  v = 1;
  pio.write(0x1F2, &v, 1, vcpu);
  pio.write(0x1F3, &v, 1, vcpu);
  v = 0xE0;
  pio.write(0x1F6, &v, 1, vcpu);
  v = 0x20;
  pio.write(0x1F7, &v, 1, vcpu);
  CHECK(i14.level);
  CHECK(!i15.level);
  uint8_t w[2];
  pio.read(0x1F0, w, 2, vcpu);
  CHECK_EQ(w[0], 0x42);
  ide.reset();
  CHECK(!i14.level);
}

TEST(ide_file_block_backend) {
  char path[] = "/tmp/vireo_ide_test_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  std::vector<uint8_t> img(4096, 0x11);
  CHECK_EQ(write(fd, img.data(), img.size()), static_cast<ssize_t>(img.size()));
  close(fd);
  {
    FileBlockBackend rw;
    CHECK(rw.open(path, false).ok());
    CHECK(!rw.open(path, false).ok());
    CHECK_EQ(rw.size_bytes(), 4096u);
    uint8_t b[512];
    memset(b, 0x77, sizeof b);
    CHECK(rw.write(512, b, sizeof b).ok());
    CHECK(!rw.write(4000, b, sizeof b).ok());        // past the end: refused, not clipped
    CHECK(!rw.read(~uint64_t{0} - 10, b, 100).ok());  // offset + len overflows
    CHECK(rw.flush().ok());
    CHECK(rw.read(510, b, 4).ok());
    CHECK_EQ(b[0], 0x11);
    CHECK_EQ(b[2], 0x77);
  }
  FileBlockBackend ro;
  CHECK(ro.open(path, true).ok());
  CHECK(ro.read_only());
  uint8_t b[4] = {};
  CHECK(!ro.write(0, b, 4).ok());
  CHECK(ro.read(1020, b, 4).ok());
  CHECK_EQ(b[3], 0x77);
  FileBlockBackend missing;
  CHECK(!missing.open("/nonexistent/vireo.img", true).ok());
  unlink(path);
}

TEST(ide_behind_pci_host) {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu(mem);
  PioBus pio;
  FakeIrq i14, i15;
  PiixIde ide(PciResources{&pio, nullptr, nullptr}, i14, i15);
  PciHost host;
  CHECK(host.add_device(1, &ide).ok());
  CHECK(host.assign_resources(0xC000, 0xE0000000u, 0xFEC00000u).ok());  // no BARs: nothing moves
  CHECK_EQ(host.config_read(0, 1, 0, 0, 4), 0x70108086u);
  CHECK_EQ(host.config_read(0, 1, 0, 0x0A, 2), 0x0101u);
  CHECK_EQ(host.config_read(0, 1, 0, 0x10, 4), 0u);
  ide.reset_config();
  CHECK_EQ(host.config_read(0, 1, 0, 0x40, 4), 0x80008000u);
}
