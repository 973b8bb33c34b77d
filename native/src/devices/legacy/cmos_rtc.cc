#include "devices/legacy/cmos_rtc.h"

#include <algorithm>
#include <chrono>

#include "core/le_bytes.h"

namespace vireo {

namespace {
constexpr uint16_t kPortIndex = 0x70;
// MC146818A registers and the AT CMOS layout.
constexpr unsigned kSeconds = 0x00, kMinutes = 0x02, kHours = 0x04, kWeekday = 0x06,
                   kDay = 0x07, kMonth = 0x08, kYear = 0x09, kRegA = 0x0A, kRegB = 0x0B,
                   kRegC = 0x0C, kRegD = 0x0D, kFloppy = 0x10, kEquipment = 0x14,
                   kBaseMemLo = 0x15, kExtMemLo = 0x17, kChecksumHi = 0x2E, kExtMem2Lo = 0x30,
                   kCentury = 0x32, kMem16mLo = 0x34, kMem4gLo = 0x5B, kCpuCount = 0x5F;
constexpr uint8_t kBSet = 0x80, kBBinary = 0x04, kB24Hour = 0x02;
constexpr uint8_t kAUip = 0x80, kDValid = 0x80, kPm = 0x80;
constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB;

// Year digits and century of any year, floored: a guest can set year 0000 and the host
// clock can then step back (a dead RTC battery boots the host in 1970), so the guest's
// year can be negative; -3 reads as 9997 (century 99, year 97), never as a negative BCD
// digit (encode() shifted negative values: UB).
int year_digits(int year) { return (year % 100 + 100) % 100; }
int century_of(int year) { return ((year - year_digits(year)) / 100 % 100 + 100) % 100; }

int64_t host_utc() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

CmosRtc::CmosRtc(uint64_t below_4g, uint64_t above_4g, unsigned cpus, Clock clock)
    : clock_(clock ? std::move(clock) : Clock(host_utc)) {
  ram_[kRegA] = 0x26;  // 32.768 kHz time base, 1024 Hz rate (the value SeaBIOS writes)
  ram_[kRegB] = kB24Hour;
  ram_[kFloppy] = 0;   // no floppy drives: SeaBIOS skips the FDC probe
  ram_[kEquipment] = 0x06;  // bit 1 math coprocessor, bit 2 PS/2 mouse, bits 5..4 = 0 EGA/VGA
  put_le16(&ram_[kBaseMemLo], 640);  // KiB of base memory
  uint64_t ext_kib = below_4g > kMiB ? std::min<uint64_t>((below_4g - kMiB) / kKiB, 0xFFFF) : 0;
  put_le16(&ram_[kExtMemLo], ext_kib);   // KiB above 1 MiB (AT byte pair)
  put_le16(&ram_[kExtMem2Lo], ext_kib);  // same, the POST copy SeaBIOS reads
  uint64_t over_16m =
      below_4g > 16 * kMiB ? std::min<uint64_t>((below_4g - 16 * kMiB) / (64 * kKiB), 0xFFFF) : 0;
  put_le16(&ram_[kMem16mLo], over_16m);  // 64 KiB units between 16 MiB and the PCI hole
  uint64_t over_4g = std::min<uint64_t>(above_4g / (64 * kKiB), 0xFFFFFF);
  le_store(&ram_[kMem4gLo], over_4g, 3);  // 64 KiB units above 4 GiB, 24 bits
  ram_[kCpuCount] = uint8_t(std::clamp(cpus, 1u, 256u) - 1);
  // AT checksum over 0x10..0x2D, big-endian at 0x2E/0x2F.
  unsigned sum = 0;
  for (unsigned i = 0x10; i <= 0x2D; ++i) sum += ram_[i];
  ram_[kChecksumHi] = uint8_t(sum >> 8);
  ram_[kChecksumHi + 1] = uint8_t(sum);
}

void CmosRtc::pio_read(uint16_t port, uint8_t* data, unsigned, VcpuContext&) {
  if (port == kPortIndex) return;  // the index register is write-only: all-ones
  std::lock_guard guard(lock_);
  data[0] = read_reg(index_);
}

void CmosRtc::pio_write(uint16_t port, const uint8_t* data, unsigned, VcpuContext&) {
  std::lock_guard guard(lock_);
  if (port == kPortIndex) {
    index_ = data[0] & 0x7F;
    nmi_masked_ = (data[0] & 0x80) != 0;
  } else {
    write_reg(index_, data[0]);
  }
}

int64_t CmosRtc::guest_time() {
  std::lock_guard guard(lock_);
  std::tm tm = current_tm();
  return static_cast<int64_t>(timegm(&tm));
}

bool CmosRtc::nmi_masked() {
  std::lock_guard guard(lock_);
  return nmi_masked_;
}

std::tm CmosRtc::current_tm() {
  if (frozen_) return frozen_tm_;
  time_t t = static_cast<time_t>(clock_() + offset_);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

void CmosRtc::set_time(std::tm tm) {
  tm.tm_isdst = 0;
  offset_ = static_cast<int64_t>(timegm(&tm)) - clock_();
}

uint8_t CmosRtc::encode(int value) const {
  if (ram_[kRegB] & kBBinary) return uint8_t(value);
  return uint8_t((value / 10) << 4 | value % 10);
}

bool CmosRtc::decode(uint8_t raw, int* value) const {
  if (ram_[kRegB] & kBBinary) {
    *value = raw;
    return true;
  }
  if ((raw & 0x0F) > 9 || (raw >> 4) > 9) return false;  // not BCD
  *value = (raw >> 4) * 10 + (raw & 0x0F);
  return true;
}

uint8_t CmosRtc::read_reg(unsigned index) {
  switch (index) {
    case kSeconds: return encode(current_tm().tm_sec % 60);  // no leap second on the RTC
    case kMinutes: return encode(current_tm().tm_min);
    case kHours: {
      int hour = current_tm().tm_hour;
      if (ram_[kRegB] & kB24Hour) return encode(hour);
      int h12 = hour % 12 == 0 ? 12 : hour % 12;
      return encode(h12) | (hour >= 12 ? kPm : 0);
    }
    case kWeekday: {
      std::tm tm = current_tm();
      timegm(&tm);  // recomputes tm_wday (a frozen copy may hold a newly written date)
      return encode(tm.tm_wday + 1);  // 1 = Sunday
    }
    case kDay: return encode(current_tm().tm_mday);
    case kMonth: return encode(current_tm().tm_mon + 1);
    case kYear: return encode(year_digits(current_tm().tm_year + 1900));
    case kCentury: return encode(century_of(current_tm().tm_year + 1900));
    case kRegA: return ram_[kRegA] & ~kAUip;  // never "update in progress"
    case kRegC: {
      uint8_t v = ram_[kRegC];
      ram_[kRegC] = 0;  // reading C clears the interrupt flags
      return v;
    }
    case kRegD: return kDValid;
    default: return ram_[index];
  }
}

void CmosRtc::write_reg(unsigned index, uint8_t value) {
  switch (index) {
    case kSeconds:
    case kMinutes:
    case kHours:
    case kDay:
    case kMonth:
    case kYear:
    case kCentury:
      write_time_field(index, value);
      break;
    case kWeekday:
      break;  // derived from the date
    case kRegA:
      ram_[kRegA] = value & ~kAUip;  // UIP is read-only
      break;
    case kRegB:
      if ((value & kBSet) && !frozen_) {
        frozen_tm_ = current_tm();
        frozen_ = true;
      } else if (!(value & kBSet) && frozen_) {
        frozen_ = false;
        set_time(frozen_tm_);
      }
      ram_[kRegB] = value;
      break;
    case kRegC:
    case kRegD:
      break;  // read-only
    default:
      ram_[index] = value;
      break;
  }
}

void CmosRtc::write_time_field(unsigned index, uint8_t value) {
  // Values out of range for the field (or not BCD in BCD mode) are ignored.
  std::tm tm = current_tm();
  int v = 0;
  if (index == kHours) {
    bool pm = false;
    if (!(ram_[kRegB] & kB24Hour)) {
      pm = (value & kPm) != 0;
      value &= ~kPm;
    }
    if (!decode(value, &v)) return;
    if (ram_[kRegB] & kB24Hour) {
      if (v > 23) return;
      tm.tm_hour = v;
    } else {
      if (v < 1 || v > 12) return;
      tm.tm_hour = v % 12 + (pm ? 12 : 0);
    }
  } else {
    if (!decode(value, &v)) return;
    int year = tm.tm_year + 1900;
    switch (index) {
      case kSeconds: if (v > 59) return; tm.tm_sec = v; break;
      case kMinutes: if (v > 59) return; tm.tm_min = v; break;
      case kDay: if (v < 1 || v > 31) return; tm.tm_mday = v; break;
      case kMonth: if (v < 1 || v > 12) return; tm.tm_mon = v - 1; break;
      case kYear: if (v > 99) return; tm.tm_year = year - year_digits(year) + v - 1900; break;
      default: if (v > 99) return; tm.tm_year = v * 100 + year_digits(year) - 1900; break;
    }
  }
  if (frozen_) {
    frozen_tm_ = tm;
  } else {
    set_time(tm);
  }
}

}  // namespace vireo
