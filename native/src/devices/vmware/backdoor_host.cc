#include "devices/vmware/backdoor_host.h"

#include <initializer_list>

namespace vireo {

void BackdoorHostState::register_commands(BackdoorCommands& port) {
  for (unsigned cmd : {bdoor::kGetPtrLocation, bdoor::kSetPtrLocation, bdoor::kGetGuiOptions, bdoor::kSetGuiOptions,
                       bdoor::kGetScreenSize, bdoor::kIsMouseAbsolute})
    port.register_command(cmd, this);
}

bool BackdoorHostState::on_command(unsigned cmd, BdoorRegs& r, VcpuContext&) {
  switch (cmd) {
    case bdoor::kGetPtrLocation: r.eax = pointer_word(); break;
    case bdoor::kSetPtrLocation: store_guest_pointer(r.ebx); break;
    case bdoor::kGetGuiOptions: r.eax = gui_options(); break;
    case bdoor::kSetGuiOptions: store_guest_gui_options(r.ebx); break;
    case bdoor::kGetScreenSize: r.eax = screen_packed(); break;
    case bdoor::kIsMouseAbsolute: r.eax = mouse_absolute() ? 1 : 0; break;
    default: return false;
  }
  return true;
}

}  // namespace vireo
