#include "devices/vmware/backdoor.h"

#include <cstring>
#include <initializer_list>

namespace vireo {

Backdoor::Backdoor(const BackdoorConfig& config, GuestRpcHandler* rpc, ClipboardSink* clipboard,
                   MouseModeSink* mouse)
    : config_(config),
      time_(host_, config.clock ? *config.clock : system_clock_, config.max_lag_us),
      clipboard_(clipboard),
      mouse_(mouse),
      rpc_(rpc, config.cookie_seed, config.advertise_hb),
      hb_(std::make_unique<HbStream[]>(kMaxVcpus)) {
  for (unsigned cmd : {bdoor::kGetVersion, bdoor::kGetDeviceListElement, bdoor::kToggleDevice, bdoor::kGetHwVersion,
                       bdoor::kGetUuid, bdoor::kNestingControl, bdoor::kGetVcpuInfo, bdoor::kMksGuestStats,
                       bdoor::kStealClock, bdoor::kGetBuildNum})
    commands_.register_command(cmd, this);
  host_.register_commands(commands_);
  time_.register_commands(commands_);
  clipboard_.register_commands(commands_);
  mouse_.register_commands(commands_);
  commands_.register_command(bdoor::kMessage, &message_);
}

void Backdoor::pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) {
  if (port == bdoor::kPortLb && size == 4) lb_access(vcpu, data, size);
  else if (port == bdoor::kPortHb && size == 1) hb_in(vcpu, data);
  // Other widths are not backdoor calls: the bus reads them as all-ones.
}

void Backdoor::pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) {
  // `out dx,eax` on the LB port is answered like `in` with the result in EAX (QEMU
  // vmport does the same; very old guests used it).
  if (port == bdoor::kPortLb && size == 4) lb_access(vcpu, nullptr, size);
  else if (port == bdoor::kPortHb && size == 1) hb_out(vcpu, data[0]);
}

// One LB access: magic check, dispatch on 32-bit registers, write back only what changed.
// For `in`, the EAX result also goes to the I/O data area (KVM copies it into RAX).
void Backdoor::lb_access(VcpuContext& vcpu, uint8_t* in_data, unsigned size) {
  Regs& regs = vcpu.regs();
  if (uint32_t(regs.rax) != bdoor::kMagic) {
    // Not a backdoor call: EAX reads all-ones, nothing else changes
    // (docs/vmware-backdoor.md §2.2 step 1).
    stats_.count_bad_magic();
    if (in_data) std::memset(in_data, 0xFF, size);
    return;
  }
  BdoorRegs r{uint32_t(regs.rax), uint32_t(regs.rbx), uint32_t(regs.rcx), uint32_t(regs.rdx),
              uint32_t(regs.rsi), uint32_t(regs.rdi), uint32_t(regs.rbp)};
  const BdoorRegs before = r;
  lb_command(r, vcpu);

  bool dirty = false;
  auto put = [&dirty](uint64_t& reg, uint32_t now, uint32_t was) {
    if (now == was) return;
    reg = now;  // zero-extends, like a 32-bit register write in long mode
    dirty = true;
  };
  put(regs.rbx, r.ebx, before.ebx);
  put(regs.rcx, r.ecx, before.ecx);
  put(regs.rdx, r.edx, before.edx);
  put(regs.rsi, r.esi, before.esi);
  put(regs.rdi, r.edi, before.edi);
  put(regs.rbp, r.ebp, before.ebp);
  if (in_data) {
    std::memcpy(in_data, &r.eax, 4);  // x86 is little-endian, like the I/O data area
    regs.rax = r.eax;
  } else {
    put(regs.rax, r.eax, before.eax);
  }
  if (dirty) vcpu.mark_regs_dirty();
}

void Backdoor::lb_command(BdoorRegs& r, VcpuContext& vcpu) {
  const unsigned cmd = r.ecx & 0xFFFF;  // BDOOR_CMD(ecx): ECX[31:16] is a sub-command
  stats_.count_command(cmd);
  BackdoorCommandHandler* handler = commands_.find(cmd);
  if (handler && handler->on_command(cmd, r, vcpu)) return;
  r.eax = bdoor::kUnsupported;
  stats_.count_unsupported();
}

bool Backdoor::on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) {
  switch (cmd) {
    case bdoor::kGetVersion:
      r.eax = bdoor::kVersionMagic;
      r.ebx = bdoor::kMagic;
      r.ecx = config_.product_type;
      break;
    case bdoor::kGetDeviceListElement: r.eax = 0; break;  // FALSE: no removable devices
    case bdoor::kToggleDevice: r.eax = 0; break;          // failure
    case bdoor::kGetHwVersion:
      r.eax = config_.hw_version;
      r.ebx = bdoor::kMagic;
      break;
    case bdoor::kGetUuid: {
      uint32_t w[4];
      std::memcpy(w, config_.uuid, sizeof w);  // 4 LE dwords of the raw bytes
      r.eax = w[0];
      r.ebx = w[1];
      r.ecx = w[2];
      r.edx = w[3];
      break;
    }
    case bdoor::kNestingControl: r.eax = bdoor::kUnsupported; break;  // no nesting
    case bdoor::kGetVcpuInfo:
      // Bit 31 (RESERVED) clear = implemented; bit 3 LEGACY_X2APIC_OK per config.
      r.eax = config_.x2apic_ok ? bdoor::kVcpuLegacyX2ApicOk : 0;
      break;
    case bdoor::kMksGuestStats:
      if (vcpu.cpl() != 0) return false;  // CPL0-only in backdoor_def.h
      break;  // statistics pages are accepted and ignored
    case bdoor::kStealClock: r.eax = bdoor::kUnsupported; break;  // -1: not available
    case bdoor::kGetBuildNum: r.eax = config_.build_number; break;
    default: return false;
  }
  return true;
}

}  // namespace vireo
