// The LB command table of the backdoor port (0x5658, command number in ECX[15:0]). Each
// service registers the command numbers it answers (clipboard, vmmouse, time, host GUI
// state, GuestRPC, the port's own identity commands), as QEMU's vmport_register()
// (hw/i386/vmport.c) lets vmmouse_realizefn() in hw/i386/vmmouse.c register the vmmouse
// commands; the port only looks the handler up. A number nobody registered is refused
// (EAX = bdoor::kUnsupported, counted as unsupported).
#pragma once
#include <cassert>
#include <cstdint>

#include "core/vcpu_context.h"
#include "devices/vmware/backdoor_defs.h"

namespace vireo {

// The 32-bit register file of one backdoor call, in and out.
struct BdoorRegs {
  uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};

class BackdoorCommandHandler {
 public:
  virtual ~BackdoorCommandHandler() = default;
  // Runs LB command `cmd` on the vCPU thread, changing the registers it answers in.
  // False refuses the call: the port answers EAX = -1 and counts it as unsupported.
  virtual bool on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) = 0;
};

class BackdoorCommands {
 public:
  // Before the guest runs; `handler` outlives the table. One handler per number.
  void register_command(unsigned cmd, BackdoorCommandHandler* handler) {
    assert(cmd < bdoor::kCmdCount && !handlers_[cmd]);
    handlers_[cmd] = handler;
  }
  // The handler of `cmd` (any 16-bit number), or null.
  BackdoorCommandHandler* find(unsigned cmd) const { return cmd < bdoor::kCmdCount ? handlers_[cmd] : nullptr; }

 private:
  BackdoorCommandHandler* handlers_[bdoor::kCmdCount] = {};
};

}  // namespace vireo
