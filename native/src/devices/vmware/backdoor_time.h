// Time and clock-frequency commands of the backdoor: 1 GETMHZ, 23 GETTIME, 24
// STOPCATCHUP, 45 GETHZ, 46 GETTIMEFULL, 55 GETTIMEFULL_WITH_LAG (docs/vmware-backdoor.md §6 and
// open-vm-tools services/plugins/timeSync/timeSync.c). Interrupt lag is 0: KVM does not catch up
// lost ticks the way VMware does.
#pragma once
#include <cstdint>

#include "devices/vmware/backdoor_command.h"
#include "devices/vmware/backdoor_host.h"

namespace vireo {

class BackdoorTime : public BackdoorCommandHandler {
 public:
  // `host` gives the TSC and APIC bus frequencies, `clock` the wall clock; both outlive
  // this. max_lag_us: GETTIMEFULL ECX, the maximum time error.
  BackdoorTime(const BackdoorHostState& host, HostClock& clock, uint32_t max_lag_us)
      : host_(host), clock_(clock), max_lag_us_(max_lag_us) {}
  void register_commands(BackdoorCommands& port);
  bool on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) override;

 private:
  void get_time(BdoorRegs& r, bool full, bool with_lag);

  const BackdoorHostState& host_;
  HostClock& clock_;
  uint32_t max_lag_us_;
};

}  // namespace vireo
