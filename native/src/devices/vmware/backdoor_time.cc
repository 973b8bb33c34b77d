#include "devices/vmware/backdoor_time.h"

#include <chrono>
#include <initializer_list>

namespace vireo {

int64_t SystemClock::utc_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

void BackdoorTime::register_commands(BackdoorCommands& port) {
  for (unsigned cmd : {bdoor::kGetMhz, bdoor::kGetTime, bdoor::kStopCatchup, bdoor::kGetHz, bdoor::kGetTimeFull,
                       bdoor::kGetTimeFullWithLag})
    port.register_command(cmd, this);
}

bool BackdoorTime::on_command(unsigned cmd, BdoorRegs& r, VcpuContext&) {
  switch (cmd) {
    case bdoor::kGetMhz: {
      const uint64_t khz = host_.tsc_khz();
      r.eax = khz ? uint32_t(khz / 1000) : bdoor::kUnsupported;
      break;
    }
    case bdoor::kGetTime: get_time(r, false, false); break;
    case bdoor::kStopCatchup: break;  // no lost-tick catch-up to stop
    case bdoor::kGetHz: {
      const uint64_t hz = host_.tsc_khz() * 1000;
      if (!hz) {
        r.eax = bdoor::kUnsupported;  // EBX stays as the guest set it (Linux: ~0)
        break;
      }
      r.eax = uint32_t(hz);
      r.ebx = uint32_t(hz >> 32);
      r.ecx = uint32_t(host_.bus_khz() * 1000);
      break;
    }
    case bdoor::kGetTimeFull: get_time(r, true, false); break;
    case bdoor::kGetTimeFullWithLag: get_time(r, true, true); break;
    default: return false;
  }
  return true;
}

void BackdoorTime::get_time(BdoorRegs& r, bool full, bool with_lag) {
  const int64_t us = clock_.utc_us();
  if (us <= 0) {
    r.eax = bdoor::kUnsupported;
    return;
  }
  const uint64_t secs = uint64_t(us) / 1000000;
  r.ebx = uint32_t(uint64_t(us) % 1000000);
  r.ecx = max_lag_us_;
  if (!full) {
    r.eax = uint32_t(secs);  // GETTIME: EAX = seconds (uint32); EDX = UTC offset, 0
    r.edx = 0;
    return;
  }
  // EAX stays 'VMXh': that is the success signal.
  r.esi = uint32_t(secs >> 32);
  r.edx = uint32_t(secs);
  if (with_lag) r.edi = 0;
}

}  // namespace vireo
