// libFuzzer target for the ACPI PM registers (native/src/devices/acpi/acpi_pm.*): accesses
// of every width at every offset of the 12-port block (and past it, as a bus would never
// send but a wider access at the last port does), the power button, resets and a host
// clock that jumps anywhere in 64 bits (the tick arithmetic must not overflow: UBSan).
// The SCI level must always equal "SCI_EN and an enabled status bit".
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../../src/devices/acpi/acpi_pm.h"
#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "fuzz_guest.h"

using namespace vireo;

namespace {
struct Control : MachineControl {
  void request_reset() override {}
  void request_stop(StopReason, uint32_t) override {}
  void milestone(uint32_t) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  vireo_fuzz::Input in(data, size);
  vireo_test::FakeIrq sci;
  Control control;
  uint64_t now = in.u64();
  AcpiPm pm(0x600, sci, control, [&] { return now; });
  while (in.more()) {
    switch (in.u8() % 5) {
      case 0: {
        const uint16_t port = static_cast<uint16_t>(0x600 + in.u8() % AcpiPm::kPortCount);
        uint8_t v[8] = {in.u8(), in.u8(), in.u8(), in.u8(), in.u8(), in.u8(), in.u8(), in.u8()};
        pm.pio_write(port, v, in.width(), vcpu);
        break;
      }
      case 1: {
        const uint16_t port = static_cast<uint16_t>(0x600 + in.u8() % AcpiPm::kPortCount);
        uint8_t v[8];
        pm.pio_read(port, v, in.width(), vcpu);
        break;
      }
      case 2: pm.press_power_button(); break;
      case 3: now = in.u8() & 1 ? now + in.u32() : in.u64(); break;
      default: pm.reset(); break;
    }
    uint8_t regs[6];
    pm.pio_read(0x600, regs, 4, vcpu);
    pm.pio_read(0x604, regs + 4, 2, vcpu);
    const uint16_t sts = static_cast<uint16_t>(regs[0] | regs[1] << 8), en = static_cast<uint16_t>(regs[2] | regs[3] << 8);
    const uint16_t cnt = static_cast<uint16_t>(regs[4] | regs[5] << 8);
    // TMR_STS raises no SCI (acpi_pm.h), so leave it out of the expected level.
    const bool want = (cnt & AcpiPm::kSciEn) && (sts & en & ~AcpiPm::kTmr);
    if (sci.level != want) std::abort();
  }
  return 0;
}
