// The ACPI fixed-hardware PM registers the FADT describes (acpi_tables.h), laid out as on
// Intel's PIIX4 PM function (QEMU hw/acpi/piix4.c and core.c follow the same datasheet):
//   base+0 PM1_STS (16), base+2 PM1_EN (16), base+4 PM1_CNT (16), base+8 PM_TMR (32).
// ACPI 6.5 §4.8.3 gives the bits. The machine has no SMM, so it is always in ACPI mode:
// SCI_EN reads 1 and stays 1. The SCI is a level line, high while an enabled status bit is
// set. Writing SLP_EN with SLP_TYP = AcpiTables::kSlpTypS5 powers the machine off (exit
// status 0); other sleep types are not offered in the DSDT and are ignored. The host's
// "power button" sets PWRBTN_STS. PM_TMR counts at 3.579545 MHz from the host's monotonic
// clock; TMR_STS is kept (bit 31 carry, computed when read) but raises no SCI.
#pragma once
#include <cstdint>
#include <functional>
#include <mutex>

#include "core/bus.h"
#include "core/irq.h"
#include "core/machine_control.h"

namespace vireo {

class AcpiPm : public PioDevice {
 public:
  static constexpr unsigned kPortCount = 12;
  static constexpr uint64_t kTimerHz = 3579545;
  // PM1_STS / PM1_EN bits.
  static constexpr uint16_t kTmr = 1u << 0, kGbl = 1u << 5, kPwrBtn = 1u << 8, kSlpBtn = 1u << 9, kRtc = 1u << 10,
                            kWak = 1u << 15;
  // PM1_CNT bits.
  static constexpr uint16_t kSciEn = 1u << 0, kSlpEn = 1u << 13;

  using Clock = std::function<uint64_t()>;  // nanoseconds, monotonic
  AcpiPm(uint16_t base, IrqLine& sci, MachineControl& control, Clock clock = {});

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // The host presses the power button ("Shut down" when no VMware Tools answer).
  void press_power_button();
  void reset();

 private:
  uint8_t read_byte(unsigned offset, uint64_t ticks) const;  // caller holds lock_
  void write_byte(unsigned offset, uint8_t value);             // caller holds lock_
  uint64_t ticks() const;
  void update_sci();  // caller holds lock_

  const uint16_t base_;
  IrqLine& sci_;
  MachineControl& control_;
  Clock clock_;
  std::mutex lock_;
  uint16_t sts_ = 0, en_ = 0, cnt_ = kSciEn;
  uint64_t tmr_carry_at_clear_ = 0;  // ticks >> 31 when TMR_STS was last cleared
};

}  // namespace vireo
