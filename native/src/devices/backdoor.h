// Backdoor: the VMware backdoor I/O ports as one PioDevice (doc vmware-backdoor.md).
//   0x5658 LB: `in eax,dx` with EAX = 'VMXh', command in ECX[15:0] (§1.1, §3).
//   0x5659 HB: `rep insb/outsb` moving one GuestRPC payload (§1.2).
// Register once as a range of 2 ports: pio.add(0x5658, 2, &backdoor, "vmware-backdoor").
//
// Everything is answered on the vCPU thread. Simple commands read host-set state
// (BackdoorHostState, atomics); command 30 runs the GuestRPC channel layer and calls
// GuestRpcHandler once per complete message; the legacy clipboard and vmmouse have their
// own small locks. Every call is counted in BackdoorStats.
#pragma once
#include <cstdint>

#include "../core/bus.h"
#include "../core/vcpu_context.h"
#include "backdoor_clipboard.h"
#include "backdoor_defs.h"
#include "backdoor_host.h"
#include "backdoor_mouse.h"
#include "backdoor_stats.h"
#include "guest_rpc.h"

namespace vireo {

// The 32-bit register file of one backdoor call, in and out.
struct BdoorRegs {
  uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};

class Backdoor : public PioDevice {
 public:
  // The sinks may be null (then the event is dropped). They and the handler must outlive
  // the device. config.clock may be null (system clock).
  Backdoor(const BackdoorConfig& config, GuestRpcHandler* rpc, ClipboardSink* clipboard,
           MouseModeSink* mouse);

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // One LB call on 32-bit registers (magic already checked); exposed for tests and for
  // a future vmcall transport (doc §1.3). `cpl` is asked only by CPL0-only commands.
  void lb_command(BdoorRegs& r, VcpuContext& vcpu);
  // One HB message transfer from the vCPU's registers: guest_to_host = `rep outsb`.
  // On success ECX = 0, ESI (send) or EDI (receive) advanced by the count, EBX =
  // 0x00010000; on failure EBX = status << 16 without SUCCESS, other registers kept.
  void hb_transfer(VcpuContext& vcpu, bool guest_to_host);

  // Host API (any thread).
  BackdoorHostState& host() { return host_; }
  LegacyClipboard& clipboard() { return clipboard_; }
  VmMouse& mouse() { return mouse_; }
  GuestRpc& rpc() { return rpc_; }
  const BackdoorStats& stats() const { return stats_; }

 private:
  void lb_access(VcpuContext& vcpu, uint8_t* in_data, unsigned size);
  bool mouse_allowed(VcpuContext& vcpu, const Regs& regs);
  void get_time(BdoorRegs& r, bool full, bool with_lag);

  BackdoorConfig config_;
  SystemClock system_clock_;
  HostClock* clock_;
  BackdoorHostState host_;
  LegacyClipboard clipboard_;
  VmMouse mouse_;
  GuestRpc rpc_;
  BackdoorStats stats_;
};

}  // namespace vireo
