// AHCI HBA: registers, the SeaBIOS/Linux initialisation sequence, ATA and ATAPI commands
// through command lists and PRDTs in a GuestMemory, interrupts, error recovery, and
// hostile command lists / tables / PRDTs.
#include "devices/storage/ahci_hba.h"

#include <cstring>

#include "check.h"
#include "core/le_bytes.h"
#include "devices/storage/ahci_regs.h"
#include "fake_irq.h"
#include "fake_vcpu.h"

using namespace vireo;
using namespace vireo::ahci;

namespace {

using vireo_test::FakeIrq;

constexpr uint64_t kBar = 0xFE000000;
// Guest layout: command list, FIS area, command table, data buffers.
constexpr uint64_t kClb = 0x10000, kFb = 0x11000, kTable = 0x12000, kData = 0x20000;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeIrq irq;
  MemoryBlockBackend disk{64 * 512, false};
  MemoryBlockBackend iso{16 * 2048, true};
  AhciHba hba{"ahci", PciResources{&pio, &mmio, nullptr}, irq, 10};

  Rig() {
    mem.add_region(0, 1 << 20, false);
    for (size_t i = 0; i < disk.data().size(); ++i) disk.data()[i] = static_cast<uint8_t>(i * 7 + (i >> 9));
    for (size_t i = 0; i < iso.data().size(); ++i) iso.data()[i] = static_cast<uint8_t>(i >> 11);
    hba.attach(0, IdeDriveKind::kDisk, &disk);
    hba.attach(2, IdeDriveKind::kCdrom, &iso);
    hba.assign_bar(5, kBar);
    hba.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  }
  uint32_t rd(uint64_t off) {
    uint8_t b[4];
    mmio.read(kBar + off, b, 4, vcpu);
    return le32(b);
  }
  void wr(uint64_t off, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + off, b, 4, vcpu);
  }
  uint32_t prd(unsigned p, unsigned reg) { return rd(kPortBase + p * kPortStride + reg); }
  void pwr(unsigned p, unsigned reg, uint32_t v) { wr(kPortBase + p * kPortStride + reg, v); }
  // What SeaBIOS's ahci_port_setup does: HBA reset, AHCI enable, command list and FIS
  // area, FIS receive, then start.
  void start(unsigned p) {
    wr(kGhc, kGhcHr);
    wr(kGhc, kGhcAe);
    pwr(p, kPxClb, static_cast<uint32_t>(kClb));
    pwr(p, kPxFb, static_cast<uint32_t>(kFb));
    pwr(p, kPxCmd, kCmdFre | kCmdSud | kCmdPod);
    pwr(p, kPxCmd, kCmdFre | kCmdSud | kCmdPod | kCmdSt);
  }
  // Slot `slot`: a command FIS and `n` PRDs of `len` bytes each from kData.
  void command(unsigned slot, const uint8_t* fis, unsigned n, uint32_t len, bool write,
               const uint8_t* atapi = nullptr) {
    uint8_t h[32] = {};
    put_le32(h, 5 | (atapi ? 1u << 5 : 0) | (write ? 1u << 6 : 0) | n << 16);
    put_le32(h + 8, static_cast<uint32_t>(kTable));
    mem.write(kClb + slot * 32ull, h, sizeof h);
    mem.write(kTable, fis, 20);
    if (atapi) mem.write(kTable + kAcmdOffset, atapi, 12);
    for (unsigned i = 0; i < n; ++i) {
      uint8_t e[16] = {};
      put_le32(e, static_cast<uint32_t>(kData + uint64_t{i} * len));
      put_le32(e + 12, len - 1);
      mem.write(kTable + kPrdtOffset + 16ull * i, e, 16);
    }
  }
  uint32_t prdbc(unsigned slot) {
    uint8_t b[4];
    mem.read(kClb + slot * 32ull + 4, b, 4);
    return le32(b);
  }
  uint8_t byte(uint64_t gpa) {
    uint8_t v = 0;
    mem.read(gpa, &v, 1);
    return v;
  }
};

void fis_rw(uint8_t* f, uint8_t op, uint64_t lba, uint16_t count) {
  memset(f, 0, 20);
  f[0] = kFisH2d;
  f[1] = kH2dCommandBit;
  f[2] = op;
  f[4] = static_cast<uint8_t>(lba);
  f[5] = static_cast<uint8_t>(lba >> 8);
  f[6] = static_cast<uint8_t>(lba >> 16);
  f[7] = 0x40;
  f[8] = static_cast<uint8_t>(lba >> 24);
  f[12] = static_cast<uint8_t>(count);
  f[13] = static_cast<uint8_t>(count >> 8);
}

}  // namespace

TEST(ahci_identity_and_capabilities) {
  Rig r;
  CHECK_EQ(r.hba.config_read(0, 4), 0x07E015ADu);
  CHECK_EQ(r.hba.config_read(8, 4) >> 8, 0x010601u);
  uint32_t cap = r.rd(kCap);
  CHECK_EQ(cap & 0x1F, AhciHba::kPorts - 1);
  CHECK_EQ((cap >> 8) & 0x1F, 31u);  // 32 command slots
  CHECK(cap & kCapS64a);
  CHECK(!(cap & (1u << 30)));        // no NCQ
  CHECK_EQ(r.rd(kPi), 0x7u);         // ports 0..2 (the highest attached is 2)
  CHECK_EQ(r.rd(kVs), 0x00010300u);
  CHECK(r.rd(kGhc) & kGhcAe);
  CHECK_EQ(r.prd(0, kPxSsts), 0x113u);
  CHECK_EQ(r.prd(0, kPxSig), kSigDisk);
  CHECK_EQ(r.prd(2, kPxSig), kSigAtapi);
  CHECK_EQ(r.prd(1, kPxSsts) & 0xF, 0u);  // no device: no link
  CHECK_EQ(r.prd(5, kPxSsts), 0u);        // not implemented: reads 0
}

TEST(ahci_identify_through_prdt) {
  Rig r;
  r.start(0);
  CHECK_EQ(r.prd(0, kPxCmd) & (kCmdCr | kCmdFr), kCmdCr | kCmdFr);
  uint8_t f[20];
  fis_rw(f, 0xEC, 0, 0);
  r.command(0, f, 1, 512, false);
  r.pwr(0, kPxCi, 1);
  CHECK_EQ(r.prd(0, kPxCi), 0u);
  CHECK_EQ(r.prd(0, kPxIs) & (kIsDhrs | kIsPss), kIsDhrs | kIsPss);
  CHECK_EQ(r.prd(0, kPxTfd), 0x50u);
  CHECK_EQ(r.prdbc(0), 512u);
  // Words 100-103: 64 sectors; word 27 starts the model string ("VM" byte-swapped).
  CHECK_EQ(r.byte(kData + 200), 64);
  CHECK_EQ(r.byte(kData + 54), 'M');
  CHECK_EQ(r.byte(kData + 55), 'V');
  // D2H FIS at FB+0x40 and PIO setup at FB+0x20 with the final status in E_Status.
  CHECK_EQ(r.byte(kFb + 0x40), kFisD2h);
  CHECK_EQ(r.byte(kFb + 0x42), 0x50);
  CHECK_EQ(r.byte(kFb + 0x20), kFisPioSetup);
  CHECK_EQ(r.byte(kFb + 0x20 + 15), 0x50);
}

TEST(ahci_read_write_dma_scatter_gather) {
  Rig r;
  r.start(0);
  uint8_t f[20];
  fis_rw(f, 0x25, 3, 4);  // READ DMA EXT, 4 sectors from LBA 3, into 4 PRDs of 512
  r.command(0, f, 4, 512, false);
  r.pwr(0, kPxCi, 1);
  CHECK_EQ(r.prd(0, kPxTfd), 0x50u);
  CHECK_EQ(r.prdbc(0), 2048u);
  bool same = true;
  for (unsigned i = 0; i < 2048; ++i) same &= r.byte(kData + i) == r.disk.data()[3 * 512 + i];
  CHECK(same);
  // WRITE DMA (LBA28) of 2 sectors at LBA 10 from one 1 KiB PRD.
  for (unsigned i = 0; i < 1024; ++i) {
    uint8_t v = static_cast<uint8_t>(0xA5 ^ i);
    r.mem.write(kData + i, &v, 1);
  }
  fis_rw(f, 0xCA, 10, 2);
  r.command(1, f, 1, 1024, true);
  r.pwr(0, kPxCi, 2);
  CHECK_EQ(r.prd(0, kPxTfd), 0x50u);
  same = true;
  for (unsigned i = 0; i < 1024; ++i) same &= r.disk.data()[10 * 512 + i] == static_cast<uint8_t>(0xA5 ^ i);
  CHECK(same);
  // FLUSH CACHE EXT reaches the image.
  uint64_t flushes = r.disk.flushes();
  fis_rw(f, 0xEA, 0, 0);
  r.command(2, f, 0, 0, false);
  r.pwr(0, kPxCi, 4);
  CHECK_EQ(r.disk.flushes(), flushes + 1);
}

TEST(ahci_errors_stop_the_port_until_st_is_cleared) {
  Rig r;
  r.start(0);
  uint8_t f[20];
  fis_rw(f, 0x25, 62, 4);  // past the end of the 64-sector disk
  r.command(0, f, 4, 512, false);
  r.pwr(0, kPxCi, 1);
  CHECK(r.prd(0, kPxIs) & kIsTfes);
  CHECK_EQ(r.prd(0, kPxTfd), 0x1441u);  // ABRT|IDNF, DRDY|ERR
  CHECK_EQ(r.prd(0, kPxCi), 1u);        // the failed command stays issued
  fis_rw(f, 0xEC, 0, 0);
  r.command(1, f, 1, 512, false);
  r.pwr(0, kPxCi, 2);                   // refused while stopped on the error
  CHECK_EQ(r.prd(0, kPxCi), 1u);
  // Recovery as in AHCI 6.2.2.1 (SeaBIOS does this): clear ST, clear PxIS, set ST.
  r.pwr(0, kPxCmd, kCmdFre);
  CHECK_EQ(r.prd(0, kPxCi), 0u);
  CHECK_EQ(r.prd(0, kPxCmd) & kCmdCr, 0u);
  r.pwr(0, kPxIs, 0xFFFFFFFF);
  r.pwr(0, kPxCmd, kCmdFre | kCmdSt);
  r.pwr(0, kPxCi, 2);
  CHECK_EQ(r.prd(0, kPxTfd), 0x50u);
  // IDENTIFY PACKET DEVICE to a disk aborts (how SeaBIOS tells disks from CD-ROMs).
  fis_rw(f, 0xA1, 0, 0);
  r.command(0, f, 1, 512, false);
  r.pwr(0, kPxCi, 1);
  CHECK_EQ(r.prd(0, kPxTfd), 0x0441u);
  // A write to a read-only image, and a PRDT smaller than the transfer, abort without
  // touching the image.
  Rig ro;
  ro.start(2);
  fis_rw(f, 0x35, 0, 1);
  ro.command(0, f, 1, 512, true);
  ro.pwr(2, kPxCi, 1);
  CHECK(ro.prd(2, kPxTfd) & 1);
  Rig small;
  small.start(0);
  std::vector<uint8_t> before = small.disk.data();
  fis_rw(f, 0x35, 0, 8);
  small.command(0, f, 1, 512, true);
  small.pwr(0, kPxCi, 1);
  CHECK(small.prd(0, kPxTfd) & 1);
  CHECK(small.disk.data() == before);
}

TEST(ahci_interrupts_follow_is_and_ie) {
  Rig r;
  r.start(0);
  r.pwr(0, kPxIe, kIsDhrs | kIsTfes);
  uint8_t f[20];
  fis_rw(f, 0xE7, 0, 0);  // FLUSH CACHE
  r.command(0, f, 0, 0, false);
  r.pwr(0, kPxCi, 1);
  CHECK(!r.irq.level);     // GHC.IE still 0
  CHECK_EQ(r.rd(kIs), 1u);
  r.wr(kGhc, kGhcAe | kGhcIe);
  CHECK(r.irq.level);
  r.pwr(0, kPxIs, kIsDhrs | kIsPss);
  CHECK(!r.irq.level);
  CHECK_EQ(r.rd(kIs), 0u);
  r.pwr(0, kPxCi, 1);
  CHECK(r.irq.level);
  r.hba.set_command(PciDevice::kCmdMemory | PciDevice::kCmdIntxDisable);
  r.pwr(0, kPxIs, 0);  // any register write re-evaluates the line
  CHECK(!r.irq.level);
}

TEST(ahci_atapi_read_and_identify) {
  Rig r;
  r.start(2);
  CHECK_EQ(r.prd(2, kPxTfd) & 0x88, 0u);
  uint8_t f[20];
  fis_rw(f, 0xEC, 0, 0);  // IDENTIFY DEVICE to a packet device aborts
  r.command(0, f, 1, 512, false);
  r.pwr(2, kPxCi, 1);
  CHECK(r.prd(2, kPxIs) & kIsTfes);
  CHECK_EQ(r.prd(2, kPxSig), kSigAtapi);
  r.pwr(2, kPxCmd, kCmdFre);
  r.pwr(2, kPxCmd, kCmdFre | kCmdSt);
  fis_rw(f, 0xA1, 0, 0);
  r.command(0, f, 1, 512, false);
  r.pwr(2, kPxCi, 1);
  CHECK_EQ(r.prd(2, kPxTfd), 0x50u);
  CHECK_EQ(r.byte(kData + 1) & 0x1F, 0x05);  // device type: CD-ROM
  // PACKET READ(10) of sectors 5 and 6 into two 2 KiB PRDs.
  fis_rw(f, 0xA0, 0, 0);
  f[3] = 1;  // DMA
  uint8_t cdb[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 2, 0, 0, 0};
  r.command(0, f, 2, 2048, false, cdb);
  r.pwr(2, kPxCi, 1);
  CHECK_EQ(r.prd(2, kPxTfd), 0x50u);
  CHECK_EQ(r.prdbc(0), 4096u);
  CHECK_EQ(r.byte(kData), 5);
  CHECK_EQ(r.byte(kData + 4095), 6);
  // READ(10) past the end: CHECK CONDITION, ILLEGAL REQUEST in the error register.
  uint8_t bad[12] = {0x28, 0, 0, 0, 0, 15, 0, 0, 2, 0, 0, 0};
  r.command(0, f, 2, 2048, false, bad);
  r.pwr(2, kPxCi, 1);
  CHECK_EQ(r.prd(2, kPxTfd) >> 12, 0x5u);
}

TEST(ahci_hostile_lists_tables_and_prdts) {
  Rig r;
  r.start(0);
  // Command list outside guest RAM.
  r.pwr(0, kPxCmd, kCmdFre);
  r.pwr(0, kPxClb, 0xF0000000);
  r.pwr(0, kPxCmd, kCmdFre | kCmdSt);
  r.pwr(0, kPxCi, 0xFFFFFFFF);
  CHECK(r.prd(0, kPxIs) & kIsTfes);
  // A PRDT of 65535 entries running off the end of RAM.
  Rig t;
  t.start(0);
  uint8_t f[20];
  fis_rw(f, 0x25, 0, 1);
  t.command(0, f, 1, 512, false);
  uint8_t h[4];
  put_le32(h, 5 | 0xFFFFu << 16);
  t.mem.write(kClb, h, 4);
  put_le32(h, 0x000FFF80);  // table at the last 128 bytes of RAM
  t.mem.write(kClb + 8, h, 4);
  t.pwr(0, kPxCi, 1);
  CHECK(t.prd(0, kPxIs) & kIsTfes);
  // PRDs pointing outside RAM: the command fails, nothing is written anywhere.
  Rig p;
  p.start(0);
  fis_rw(f, 0x25, 0, 2);
  p.command(0, f, 1, 1024, false);
  uint8_t e[4];
  put_le32(e, 0xFFFFF000);
  p.mem.write(kTable + kPrdtOffset, e, 4);
  p.pwr(0, kPxCi, 1);
  CHECK(p.prd(0, kPxIs) & kIsTfes);
  // Not a register FIS, and a FIS type the HBA does not know.
  Rig q;
  q.start(0);
  fis_rw(f, 0xEC, 0, 0);
  f[0] = 0x39;
  q.command(0, f, 1, 512, false);
  q.pwr(0, kPxCi, 1);
  CHECK(q.prd(0, kPxIs) & kIsTfes);
}

TEST(ahci_comreset_and_software_reset) {
  Rig r;
  r.start(0);
  r.pwr(0, kPxSctl, 1);
  CHECK_EQ(r.prd(0, kPxSsts) & 0xF, 0u);
  CHECK(r.prd(0, kPxTfd) & 0x80);
  r.pwr(0, kPxSctl, 0);
  CHECK_EQ(r.prd(0, kPxSsts), 0x113u);
  CHECK_EQ(r.prd(0, kPxTfd) & 0xFF, 0x50u);
  CHECK_EQ(r.prd(0, kPxSig), kSigDisk);
  // Linux ahci_softreset: a control FIS with SRST, then one without.
  uint8_t f[20] = {kFisH2d, 0, 0, 0};
  f[15] = 0x04;
  r.command(0, f, 0, 0, false);
  r.pwr(0, kPxCi, 1);
  f[15] = 0;
  r.command(1, f, 0, 0, false);
  r.pwr(0, kPxCi, 2);
  CHECK_EQ(r.prd(0, kPxCi), 0u);
  CHECK_EQ(r.prd(0, kPxTfd) & 0x88, 0u);
  CHECK_EQ(r.prd(0, kPxSig), kSigDisk);
}
