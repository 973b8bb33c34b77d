// An AHCI command list, command table and PRDT are guest memory a second vCPU may rewrite
// while the HBA runs the command. A thread flips slot 0 between a valid READ DMA EXT of
// one sector into 512 bytes and hostile variants (PRDTL 65535, a 4 MiB PRD, a sector
// count of 65536, an LBA past the end, the write bit, the ATAPI bit) while the host
// thread keeps setting PxCI. The HBA must copy header, FIS and PRDT once: FuzzDisk aborts
// on any request outside the 32 KiB image, ASan on any host over-read, and PRDBC never
// exceeds what one PRD entry can hold (4 MiB: the flips never publish a second entry;
// with PRDTL 65535 the table runs into a hole and the command aborts).
#include <cstdint>

#include "../check.h"
#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/storage/ahci_hba.h"
#include "devices/storage/ahci_regs.h"
#include "fuzz_guest.h"
#include "race.h"

using namespace vireo;
using namespace vireo::ahci;
using vireo_fuzz::guest_store;

TEST(ahci_copies_the_command_once_while_a_second_vcpu_rewrites_it) {
  constexpr uint64_t kBar = 0xFE000000, kClb = 0x10000, kFb = 0x11000, kTable = 0x12000,
                     kBuf = 0x20000;
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  PioBus pio;
  MmioBus mmio;
  vireo_test::FakeIrq irq;
  vireo_fuzz::FuzzDisk disk(32 << 10, false);
  AhciHba hba("ahci", PciResources{&pio, &mmio, nullptr}, irq, 10);
  CHECK(hba.attach(0, IdeDriveKind::kDisk, &disk).ok());
  CHECK(hba.assign_bar(5, uint32_t(kBar)).ok());
  hba.set_command(PciDevice::kCmdMemory | PciDevice::kCmdBusMaster);
  auto wr = [&](unsigned reg, uint32_t v) {
    uint8_t b[4];
    put_le32(b, v);
    mmio.write(kBar + reg, b, 4, vcpu);
  };
  auto port = [&](unsigned reg, uint32_t v) { wr(kPortBase + reg, v); };
  wr(kGhc, kGhcAe);
  port(kPxClb, uint32_t(kClb));
  port(kPxFb, uint32_t(kFb));
  port(kPxCmd, kCmdFre | kCmdSt | kCmdSud | kCmdPod);
  m.poke32(kClb, 5 | 1u << 16);  // CFL 5 dwords, PRDTL 1
  m.poke32(kClb + 8, uint32_t(kTable));
  const uint8_t fis[20] = {kFisH2d, kH2dCommandBit, 0x25 /* READ DMA EXT */, 0, 0, 0, 0, 0x40,
                           0, 0, 0, 0, 1, 0};
  m.poke(kTable, fis, sizeof fis);
  m.poke64(kTable + kPrdtOffset, kBuf);
  m.poke32(kTable + kPrdtOffset + 12, 511);
  uint8_t* header = m.mem().host_ptr(kClb, 16);
  uint8_t* table = m.mem().host_ptr(kTable, kPrdtOffset + 16);
  CHECK(header && table);

  uint64_t too_many = 0;
  {
    vireo_fuzz::SecondVcpu other([&](uint64_t round, bool bad) {
      switch (round % 6) {
        case 0: guest_store<uint32_t>(header, (bad ? 0xFFFFu : 1u) << 16 | 5); break;
        case 1: guest_store<uint32_t>(table + kPrdtOffset + 12, bad ? kPrdDbcMask : 511); break;
        case 2: guest_store<uint16_t>(table + 12, bad ? 0 : 1); break;  // count 0 = 65536
        case 3: guest_store<uint32_t>(table + 4, bad ? 0xFFFFFF : 0); break;  // LBA
        case 4: guest_store<uint32_t>(header, (1u << 16) | 5 | (bad ? 1u << 6 : 0)); break;
        default: guest_store<uint32_t>(header, (1u << 16) | 5 | (bad ? 1u << 5 : 0)); break;
      }
    });
    uint64_t passes = vireo_fuzz::host_loop([&] {
      port(kPxIs, 0xFFFFFFFF);
      port(kPxSerr, 0xFFFFFFFF);
      // After a task-file error the port stops; the driver restarts it (ST 0 -> 1).
      port(kPxCmd, kCmdFre);
      port(kPxCmd, kCmdFre | kCmdSt);
      port(kPxCi, 1);
      uint32_t prdbc = __atomic_load_n(reinterpret_cast<uint32_t*>(header + 4), __ATOMIC_RELAXED);
      if (prdbc > (kPrdDbcMask + 1u)) ++too_many;  // one PRD can move at most 4 MiB
    });
    CHECK(passes > 1000);
  }
  CHECK_EQ(too_many, 0u);
  CHECK(hba.commands() > 0);
}
