// libFuzzer target for the AHCI HBA (native/src/devices/storage/ahci_*): the input is a
// program of ABAR register writes/reads, guest-memory writes, and two shortcuts that do
// what SeaBIOS and Linux do (start a port; build one command header + table + PRDT and
// set PxCI), so the fuzzer reaches commands, FISes and PRDTs quickly and then mutates
// them byte by byte. Guest memory is fuzz_guest.h's (holes, ROM, slot edges); a disk on
// port 0, an ATAPI CD-ROM on port 1, an empty CD-ROM drive on port 2; the images are
// small, so LBAs run off the end. Checked by ASan/UBSan and FuzzDisk (no request outside
// an image, no write to the CD).
#include <cstddef>
#include <cstdint>

#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/storage/ahci_hba.h"
#include "devices/storage/ahci_regs.h"
#include "fuzz_guest.h"

using namespace vireo;
using namespace vireo::ahci;
using vireo_fuzz::FuzzDisk;

namespace {

constexpr uint64_t kBar = 0xFE000000;
constexpr unsigned kFuzzPorts = 3;
uint64_t list_base(unsigned port) { return 0x10000 + port * 0x2000ull; }

FuzzDisk& disk_image() {
  static FuzzDisk d(64 * 512, false);
  return d;
}
FuzzDisk& cd_image() {
  static FuzzDisk d(8 * 2048, true);
  return d;
}

struct Rig {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu{m.mem()};
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  FuzzDisk& disk = disk_image();
  FuzzDisk& iso = cd_image();
  AhciHba hba{"ahci", PciResources{&pio, &mmio, nullptr}, irq, 10};
  Rig() {
    m.clear();
    disk.clear();
    iso.clear();
    hba.attach(0, IdeDriveKind::kDisk, &disk);
    hba.attach(1, IdeDriveKind::kCdrom, &iso);
    hba.attach(2, IdeDriveKind::kCdrom, nullptr);
    hba.assign_bar(5, kBar);
    hba.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  }
  void wr(unsigned reg, uint32_t value) {
    uint8_t v[4];
    put_le32(v, value);
    mmio.write(kBar + reg, v, 4, vcpu);
  }
  void port_wr(unsigned port, unsigned reg, uint32_t value) { wr(kPortBase + port * kPortStride + reg, value); }
};

// One command as a driver builds it: header in slot `slot` of the port's list, table
// right after the received-FIS area, PRDs of `prd_bytes` each at `buffer`.
void command(Rig& r, vireo_fuzz::Input& in) {
  unsigned port = in.u8() % kFuzzPorts, slot = in.u8() % kSlots;
  uint8_t cmd = in.u8(), features = in.u8();
  uint64_t lba = in.u64() & 0xFFFFFFFFFFFF;
  uint16_t count = in.u16();
  unsigned prdtl = in.u8() % 9, cfl = 5;
  uint32_t header_flags = in.u8();  // A (bit 5) and W (bit 6) and CFL come from here
  uint64_t buffer = in.gpa();
  uint32_t prd_bytes = (in.u16() & 0x3FFFFF) | 1;
  uint64_t clb = list_base(port), table = clb + 0x1100 + slot * 0x100ull;
  uint32_t flags = (header_flags & 0x60) | (header_flags & 0x80 ? header_flags & 0x1F : cfl) |
                   uint32_t{prdtl} << 16;
  r.m.poke32(clb + slot * kHeaderBytes, flags);
  r.m.poke32(clb + slot * kHeaderBytes + 4, 0);
  r.m.poke32(clb + slot * kHeaderBytes + 8, uint32_t(table));
  r.m.poke32(clb + slot * kHeaderBytes + 12, 0);
  uint8_t fis[20] = {kFisH2d, kH2dCommandBit, cmd, features,
                     uint8_t(lba), uint8_t(lba >> 8), uint8_t(lba >> 16), 0x40,
                     uint8_t(lba >> 24), uint8_t(lba >> 32), uint8_t(lba >> 40), 0,
                     uint8_t(count), uint8_t(count >> 8), 0, 0};
  r.m.poke(table, fis, sizeof fis);
  // ATAPI packet (READ(10)-shaped unless the fuzzer rewrites it with a memory op).
  uint8_t cdb[12] = {features, 0, uint8_t(lba >> 24), uint8_t(lba >> 16), uint8_t(lba >> 8),
                     uint8_t(lba), 0, uint8_t(count >> 8), uint8_t(count), 0, 0, 0};
  r.m.poke(table + kAcmdOffset, cdb, sizeof cdb);
  for (unsigned i = 0; i < prdtl; ++i) {
    uint64_t prd = table + kPrdtOffset + i * kPrdBytes;
    r.m.poke64(prd, buffer + uint64_t{i} * (prd_bytes + 1));
    r.m.poke32(prd + 8, 0);
    r.m.poke32(prd + 12, (prd_bytes & kPrdDbcMask) | (i + 1 == prdtl ? 1u << 31 : 0));
  }
  r.port_wr(port, kPxCi, 1u << slot);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig r;
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 8) {
      case 0: {  // register write
        unsigned off = in.u16() & 0xFFF;
        r.wr(off, in.u32());
        break;
      }
      case 1: {  // register read of any width
        unsigned off = in.u16() & 0xFFF;
        uint8_t out[8];
        r.mmio.read(kBar + off, out, in.width(), r.vcpu);
        break;
      }
      case 2: vireo_fuzz::guest_write(in, r.m); break;
      case 3: vireo_fuzz::guest_fill(in, r.m); break;
      case 4: {  // start a port as SeaBIOS does: CLB, FB, FRE|ST|SUD|POD, clear errors
        unsigned port = in.u8() % kFuzzPorts;
        r.port_wr(port, kPxClb, uint32_t(list_base(port)));
        r.port_wr(port, kPxFb, uint32_t(list_base(port) + 0x1000));
        r.port_wr(port, kPxCmd, kCmdFre | kCmdSt | kCmdSud | kCmdPod);
        r.port_wr(port, kPxSerr, 0xFFFFFFFF);
        r.port_wr(port, kPxIe, 0xFFFFFFFF);
        break;
      }
      case 5: command(r, in); break;
      case 6: r.disk.fail_after(in.u8()); break;
      default:  // GHC: HBA reset / interrupt enable, or the PCI command register
        if (in.u8() & 1) r.wr(kGhc, in.u32());
        else r.hba.set_command(in.u16());
        break;
    }
  }
  return 0;
}
