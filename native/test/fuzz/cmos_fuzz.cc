// libFuzzer target for the CMOS RTC (native/src/devices/legacy/cmos_rtc.*): index/data accesses
// of any width, register B modes (BCD/binary, 12/24 h, SET) and guest time writes in
// every encoding (the guest reaches any date from year 0 to 9999), with the host clock
// anywhere from 1970 to 2242 and stepping within that range (a clock the host really
// has; a guest year 0025 and a host clock stepped back to 1970 give a negative year).
// Checked by ASan/UBSan (time arithmetic overflow is UB UBSan reports).
#include <cstddef>
#include <cstdint>

#include "../fake_vcpu.h"
#include "devices/legacy/cmos_rtc.h"
#include "fuzz_guest.h"

using namespace vireo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  vireo_fuzz::Input in(data, size);
  int64_t now = int64_t(in.u32()) * 2;  // 1970 .. 2242
  uint64_t below_4g = uint64_t{in.u32()} << 12, above_4g = uint64_t{in.u16()} << 20;
  CmosRtc rtc(below_4g, above_4g, in.u8(), [&] { return now; });
  while (in.more()) {
    switch (in.u8() % 5) {
      case 0: {  // index then data write
        uint8_t index = in.u8(), value = in.u8();
        rtc.pio_write(0x70, &index, 1, vcpu);
        rtc.pio_write(0x71, &value, 1, vcpu);
        break;
      }
      case 1: {  // index then data read
        uint8_t index = in.u8(), v[4];
        rtc.pio_write(0x70, &index, 1, vcpu);
        rtc.pio_read(0x71, v, 1, vcpu);
        break;
      }
      case 2: {  // either port, any width, either direction
        uint16_t port = 0x70 + (in.u8() & 1);
        unsigned width = 1u << (in.u8() % 3);
        uint8_t v[4] = {in.u8(), in.u8(), in.u8(), in.u8()};
        if (in.u8() & 1) rtc.pio_write(port, v, width, vcpu);
        else rtc.pio_read(port, v, width, vcpu);
        break;
      }
      case 3: now = int64_t(in.u32()) * 2; break;
      default:
        rtc.guest_time();
        rtc.nmi_masked();
        break;
    }
  }
  return 0;
}
