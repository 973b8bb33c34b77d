#include "devices/acpi/acpi_pm.h"

#include <chrono>

#include "devices/acpi/acpi_tables.h"

namespace vireo {

namespace {
uint64_t steady_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}
// Status bits that have an enable bit and so can raise the SCI.
constexpr uint16_t kSciSources = AcpiPm::kTmr | AcpiPm::kGbl | AcpiPm::kPwrBtn | AcpiPm::kSlpBtn | AcpiPm::kRtc;
constexpr uint16_t kStsBits = kSciSources | AcpiPm::kWak;
}  // namespace

AcpiPm::AcpiPm(uint16_t base, IrqLine& sci, MachineControl& control, Clock clock)
    : base_(base), sci_(sci), control_(control), clock_(clock ? std::move(clock) : Clock(steady_ns)) {
  tmr_carry_at_clear_ = ticks() >> 31;
}

uint64_t AcpiPm::ticks() const {
  const uint64_t ns = clock_();
  // ns * 3579545 / 1e9 without overflow for ~160 years of uptime.
  return ns / 1000000000u * kTimerHz + ns % 1000000000u * kTimerHz / 1000000000u;
}

uint8_t AcpiPm::read_byte(unsigned offset, uint64_t ticks) const {
  uint16_t sts = sts_;
  if ((ticks >> 31) != tmr_carry_at_clear_) sts |= kTmr;
  const auto timer = static_cast<uint32_t>(ticks);
  switch (offset) {
    case 0: return static_cast<uint8_t>(sts);
    case 1: return static_cast<uint8_t>(sts >> 8);
    case 2: return static_cast<uint8_t>(en_);
    case 3: return static_cast<uint8_t>(en_ >> 8);
    case 4: return static_cast<uint8_t>(cnt_);
    case 5: return static_cast<uint8_t>(cnt_ >> 8);  // SLP_EN is write-only: never stored
    case 8: case 9: case 10: case 11: return static_cast<uint8_t>(timer >> (8 * (offset - 8)));
    default: return 0;  // +6/+7: no PM1b, nothing there
  }
}

void AcpiPm::write_byte(unsigned offset, uint8_t value) {
  switch (offset) {
    case 0:
    case 1: {
      // Write 1 to clear.
      const uint16_t clear = static_cast<uint16_t>(value << (8 * offset)) & kStsBits;
      sts_ = static_cast<uint16_t>(sts_ & ~clear);
      if (clear & kTmr) tmr_carry_at_clear_ = ticks() >> 31;
      break;
    }
    case 2: en_ = static_cast<uint16_t>((en_ & 0xff00) | value) & kSciSources; break;
    case 3: en_ = static_cast<uint16_t>((en_ & 0x00ff) | value << 8) & kSciSources; break;
    // SCI_EN stays set (no SMM to hand the machine back to); BM_RLD (bit 1) is kept as
    // written; GBL_RLS (bit 2) would signal SMM firmware, which there is none of.
    case 4: cnt_ = static_cast<uint16_t>((cnt_ & 0xff00) | (value & 0x02) | kSciEn); break;
    case 5: cnt_ = static_cast<uint16_t>((cnt_ & 0x00ff) | (value << 8 & 0x3c00) | (value << 8 & kSlpEn)); break;
    default: break;  // the timer is read-only
  }
}

void AcpiPm::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext&) {
  std::lock_guard guard(lock_);
  const uint64_t now = ticks();  // one clock sample for the whole access
  for (unsigned i = 0; i < size; ++i) {
    const unsigned off = static_cast<unsigned>(port - base_) + i;
    data[i] = off < kPortCount ? read_byte(off, now) : 0xff;
  }
}

void AcpiPm::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext&) {
  bool power_off = false;
  {
    std::lock_guard guard(lock_);
    for (unsigned i = 0; i < size; ++i) {
      const unsigned off = static_cast<unsigned>(port - base_) + i;
      if (off < kPortCount) write_byte(off, data[i]);
    }
    if (cnt_ & kSlpEn) {
      // SLP_EN acts once, on the whole access (a 16-bit write carries SLP_TYP with it).
      const unsigned slp_typ = (cnt_ >> 10) & 7;
      cnt_ = static_cast<uint16_t>(cnt_ & ~kSlpEn);
      power_off = slp_typ == AcpiTables::kSlpTypS5;
    }
    update_sci();
  }
  if (power_off) control_.request_stop(StopReason::kPoweroff, 0);
}

void AcpiPm::press_power_button() {
  std::lock_guard guard(lock_);
  sts_ |= kPwrBtn;
  update_sci();
}

void AcpiPm::reset() {
  std::lock_guard guard(lock_);
  sts_ = 0;
  en_ = 0;
  cnt_ = kSciEn;
  tmr_carry_at_clear_ = ticks() >> 31;
  update_sci();
}

void AcpiPm::update_sci() { sci_.set_level((cnt_ & kSciEn) && (sts_ & en_ & kSciSources)); }

}  // namespace vireo
