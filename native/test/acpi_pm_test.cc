// The ACPI PM registers as an OS uses them (Linux drivers/acpi/acpica hwregs.c and
// hwsleep.c): PM timer, power button status/enable and the SCI, S5 power off.
#include "../src/devices/acpi/acpi_pm.h"
#include "../src/devices/acpi/acpi_tables.h"

#include "check.h"
#include "fake_irq.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {
struct Control : MachineControl {
  int stops = 0;
  StopReason reason = StopReason::kNone;
  uint32_t code = 99;
  void request_reset() override {}
  void request_stop(StopReason r, uint32_t c) override {
    ++stops;
    reason = r;
    code = c;
  }
  void milestone(uint32_t) override {}
};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  vireo_test::FakeIrq sci;
  Control control;
  uint64_t now = 0;
  AcpiPm pm{0x600, sci, control, [this] { return now; }};
  PioBus bus;
  Rig() { CHECK(bus.add(0x600, AcpiPm::kPortCount, &pm, "acpi-pm").ok()); }
  uint32_t in(uint16_t port, unsigned size) {
    uint8_t b[4] = {};
    bus.read(port, b, size, vcpu);
    return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
  }
  void out(uint16_t port, uint32_t v, unsigned size) {
    const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
    bus.write(port, b, size, vcpu);
  }
};
}  // namespace

TEST(acpi_pm_timer_counts_at_3_579545_mhz) {
  Rig r;
  CHECK_EQ(r.in(0x608, 4), 0u);
  r.now = 1000000000;  // 1 s
  CHECK_EQ(r.in(0x608, 4), 3579545u);
  r.now = 1000000000 + 1000;  // +1 µs = 3.58 ticks
  CHECK_EQ(r.in(0x608, 4), 3579548u);
  // 32 bits wrap after 2^32 / 3579545 Hz = 1199.9 s; TMR_STS reports the bit-31 carry.
  CHECK_EQ(r.in(0x600, 2) & AcpiPm::kTmr, 0u);
  r.now = 600ull * 1000000000;  // 2147727000 ticks: bit 31 has turned on
  CHECK(r.in(0x600, 2) & AcpiPm::kTmr);
  r.out(0x600, AcpiPm::kTmr, 2);
  CHECK_EQ(r.in(0x600, 2) & AcpiPm::kTmr, 0u);
}

TEST(acpi_pm_always_in_acpi_mode) {
  Rig r;
  CHECK_EQ(r.in(0x604, 2) & AcpiPm::kSciEn, AcpiPm::kSciEn);
  r.out(0x604, 0, 2);  // an OS cannot leave ACPI mode: there is no SMM to take over
  CHECK_EQ(r.in(0x604, 2) & AcpiPm::kSciEn, AcpiPm::kSciEn);
}

TEST(acpi_pm_power_button_raises_the_sci_only_when_enabled) {
  Rig r;
  r.pm.press_power_button();
  CHECK(!r.sci.level);
  CHECK(r.in(0x600, 2) & AcpiPm::kPwrBtn);
  r.out(0x602, AcpiPm::kPwrBtn, 2);  // the OS enables the button (PM1_EN)
  CHECK(r.sci.level);
  CHECK_EQ(r.in(0x602, 2), AcpiPm::kPwrBtn);
  r.out(0x600, AcpiPm::kPwrBtn, 2);  // the OS acknowledges: write 1 to clear
  CHECK(!r.sci.level);
  CHECK_EQ(r.in(0x600, 2) & AcpiPm::kPwrBtn, 0u);
  // Byte accesses (PM1_STS high byte) work the same way.
  r.pm.press_power_button();
  CHECK(r.sci.level);
  r.out(0x601, AcpiPm::kPwrBtn >> 8, 1);
  CHECK(!r.sci.level);
  // A 32-bit access at the block start covers STS and EN together.
  r.pm.press_power_button();
  CHECK_EQ(r.in(0x600, 4), uint32_t{AcpiPm::kPwrBtn} | uint32_t{AcpiPm::kPwrBtn} << 16);
}

TEST(acpi_pm_s5_powers_off_with_status_0_and_other_sleep_types_do_nothing) {
  Rig r;
  // SLP_TYP 5 (not offered by our \_S5) with SLP_EN: ignored.
  r.out(0x604, 5u << 10 | AcpiPm::kSlpEn | AcpiPm::kSciEn, 2);
  CHECK_EQ(r.control.stops, 0);
  CHECK_EQ(r.in(0x604, 2) & AcpiPm::kSlpEn, 0u);  // write-only
  // Linux's acpi_hw_legacy_sleep: writes SLP_TYP first, then SLP_TYP | SLP_EN.
  r.out(0x604, uint32_t{AcpiTables::kSlpTypS5} << 10 | AcpiPm::kSciEn, 2);
  CHECK_EQ(r.control.stops, 0);
  r.out(0x604, uint32_t{AcpiTables::kSlpTypS5} << 10 | AcpiPm::kSlpEn | AcpiPm::kSciEn, 2);
  CHECK_EQ(r.control.stops, 1);
  CHECK(r.control.reason == StopReason::kPoweroff);
  CHECK_EQ(r.control.code, 0u);
}

TEST(acpi_pm_reset_and_unused_ports) {
  Rig r;
  r.out(0x602, AcpiPm::kPwrBtn, 2);
  r.pm.press_power_button();
  CHECK(r.sci.level);
  r.pm.reset();
  CHECK(!r.sci.level);
  CHECK_EQ(r.in(0x600, 4), 0u);
  CHECK_EQ(r.in(0x606, 2), 0u);  // no PM1b: reads 0, writes go nowhere
  r.out(0x608, 0xffffffff, 4);   // the timer is read-only
  CHECK_EQ(r.in(0x608, 4), 0u);
}
