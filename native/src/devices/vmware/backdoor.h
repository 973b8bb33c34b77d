// Backdoor: the VMware backdoor I/O ports as one PioDevice (docs/vmware-backdoor.md).
//   0x5658 LB: `in eax,dx` with EAX = 'VMXh', command in ECX[15:0] (§1.1, §3).
//   0x5659 HB: `rep insb/outsb` moving one GuestRPC payload (§1.2).
// Register once as a range of 2 ports: pio.add(0x5658, 2, &backdoor, "vmware-backdoor").
//
// Everything is answered on the vCPU thread. LB commands go to the service that
// registered their number (backdoor_command.h): host GUI state (BackdoorHostState,
// atomics), time (BackdoorTime), the legacy clipboard and vmmouse (each with its own small
// lock), GuestRPC (command 30, backdoor_rpc.cc: the channel layer calls GuestRpcHandler
// once per complete message) and the port's own identity commands (backdoor.cc). Every
// call is counted in BackdoorStats.
#pragma once
#include <cstdint>
#include <memory>

#include "core/bus.h"
#include "core/vcpu_context.h"
#include "devices/vmware/backdoor_clipboard.h"
#include "devices/vmware/backdoor_command.h"
#include "devices/vmware/backdoor_defs.h"
#include "devices/vmware/backdoor_host.h"
#include "devices/vmware/backdoor_mouse.h"
#include "devices/vmware/backdoor_stats.h"
#include "devices/vmware/backdoor_time.h"
#include "devices/vmware/guest_rpc.h"

namespace vireo {

class Backdoor : public PioDevice, private BackdoorCommandHandler {
 public:
  // The sinks may be null (then the event is dropped). They and the handler must outlive
  // the device. config.clock may be null (system clock).
  Backdoor(const BackdoorConfig& config, GuestRpcHandler* rpc, ClipboardSink* clipboard,
           MouseModeSink* mouse);

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // One LB call on 32-bit registers (magic already checked), for a future vmcall
  // transport (§1.3). vcpu.cpl() is asked only by CPL-restricted commands.
  void lb_command(BdoorRegs& r, VcpuContext& vcpu);
  // One whole HB message copy from the vCPU's registers (§1.2 layout), the host reading
  // or writing the guest buffer itself through translate() page by page: the hypercall
  // transport (§1.3). Port 0x5659 does not use it: KVM moves string-I/O bytes through
  // the I/O data area (see hb_out/hb_in). On success ECX = 0, ESI (send) or EDI
  // (receive) advanced, EBX = 0x00010000; on failure EBX = status << 16 without SUCCESS
  // and the other registers kept.
  void hb_copy(VcpuContext& vcpu, bool guest_to_host);

  // HB streams are tracked per vCPU index; a vCPU at or above this gets HB failures.
  static constexpr unsigned kMaxVcpus = 64;

  // Host API (any thread). Of rpc(), the host calls only checkpoint() and fail_all().
  BackdoorHostState& host() { return host_; }
  LegacyClipboard& clipboard() { return clipboard_; }
  VmMouse& mouse() { return mouse_; }
  GuestRpc& rpc() { return rpc_; }
  const BackdoorStats& stats() const { return stats_; }

 private:
  // One `rep outsb` / `rep insb` on 0x5659 as KVM delivers it (measured on this
  // project's hosts): OUTS exits once per byte with RCX/RSI already advanced past it; INS
  // exits per chunk (count bytes) with RCX/RDI still before it, and KVM stores the data
  // area to guest memory itself. The device streams the message through the data area
  // and sets EBX when the last byte passes.
  struct HbStream {
    bool active = false;
    bool send = false;
    bool ok = false;
    unsigned channel = 0;
    uint32_t hi = 0, lo = 0;
    uint64_t total = 0, done = 0;
    uint64_t chunk_rcx = 0, chunk_rdi = 0;  // INS: registers of the exit being served
    uint16_t fail = 0;                      // status reported when !ok
  };
  void hb_out(VcpuContext& vcpu, uint8_t byte);
  void hb_in(VcpuContext& vcpu, uint8_t* byte);
  void hb_finish(VcpuContext& vcpu, HbStream& s);
  void lb_access(VcpuContext& vcpu, uint8_t* in_data, unsigned size);
  // The port's own commands: version, hardware version, UUID, build number, vCPU info,
  // and the device, nesting, statistics and steal-clock commands it declines.
  bool on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) override;

  // Command 30 MESSAGE: the LB transport of GuestRPC (backdoor_rpc.cc).
  class MessageCommand : public BackdoorCommandHandler {
   public:
    explicit MessageCommand(Backdoor& port) : port_(port) {}
    bool on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) override;

   private:
    Backdoor& port_;
  };

  BackdoorConfig config_;
  SystemClock system_clock_;
  BackdoorHostState host_;
  BackdoorTime time_;
  LegacyClipboard clipboard_;
  VmMouse mouse_;
  GuestRpc rpc_;
  MessageCommand message_{*this};
  BackdoorStats stats_;
  std::unique_ptr<HbStream[]> hb_;  // kMaxVcpus; each slot touched only by its vCPU
  BackdoorCommands commands_;
};

}  // namespace vireo
