#include "devices/vmware/backdoor_mouse.h"

#include <initializer_list>

#include "devices/vmware/backdoor_defs.h"

namespace vireo {

void VmMouse::register_commands(BackdoorCommands& port) {
  for (unsigned cmd : {bdoor::kAbsPointerData, bdoor::kAbsPointerStatus, bdoor::kAbsPointerCommand,
                       bdoor::kAbsPointerRestrict})
    port.register_command(cmd, this);
}

bool VmMouse::allowed(VcpuContext& vcpu) {
  switch (restriction()) {
    case 1: return vcpu.cpl() == 0;                                     // CPL0 only
    case 2: return vcpu.cpl() <= ((vcpu.regs().rflags >> 12) & 3);      // CPL <= EFLAGS.IOPL
    default: return true;
  }
}

bool VmMouse::on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) {
  switch (cmd) {
    case bdoor::kAbsPointerStatus:
      if (!allowed(vcpu)) return false;
      r.eax = status();
      break;
    case bdoor::kAbsPointerCommand:
      if (!allowed(vcpu)) return false;
      command(r.ebx);
      break;
    case bdoor::kAbsPointerData: {
      if (!allowed(vcpu)) return false;
      // EBX = n dwords into EAX, EBX, ECX, EDX (ESI, EDI for n > 4, as QEMU).
      uint32_t out[6];
      const uint32_t n = r.ebx;
      if (!data(n, out)) break;  // device now disabled; STATUS reports it
      uint32_t* dst[6] = {&r.eax, &r.ebx, &r.ecx, &r.edx, &r.esi, &r.edi};
      for (uint32_t i = 0; i < n; ++i) *dst[i] = out[i];
      break;
    }
    case bdoor::kAbsPointerRestrict: restrict_to(r.ebx); break;
    default: return false;
  }
  return true;
}

bool VmMouse::push(const uint32_t packet[4]) {
  std::lock_guard<std::mutex> g(lock_);
  if (!enabled_ || count_ + 4 > kQueueDwords) return false;
  for (unsigned i = 0; i < 4; ++i) queue_[(head_ + count_ + i) % kQueueDwords] = packet[i];
  count_ += 4;
  return true;
}

bool VmMouse::push_absolute(uint32_t buttons, uint16_t x, uint16_t y, int8_t wheel) {
  const uint32_t p[4] = {buttons & 0x38, x, y, uint32_t(uint8_t(-wheel))};
  return push(p);
}

bool VmMouse::push_relative(uint32_t buttons, int32_t dx, int32_t dy, int8_t wheel) {
  // Linux negates y of relative packets (up = positive on the wire). Negated as an
  // unsigned word: -dy overflows (UB) for dy = INT32_MIN; the wire value is the same.
  const uint32_t p[4] = {bdoor::kMouseRelativePacket | (buttons & 0x38), uint32_t(dx),
                         0u - uint32_t(dy), uint32_t(uint8_t(-wheel))};
  return push(p);
}

bool VmMouse::enabled() {
  std::lock_guard<std::mutex> g(lock_);
  return enabled_;
}

bool VmMouse::absolute() {
  std::lock_guard<std::mutex> g(lock_);
  return enabled_ && absolute_;
}

uint32_t VmMouse::status() {
  std::lock_guard<std::mutex> g(lock_);
  if (!enabled_) return uint32_t(bdoor::kMouseStatusError) << 16;
  return count_;
}

bool VmMouse::data(uint32_t n, uint32_t out[6]) {
  bool disabled_now = false;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (enabled_ && n >= 1 && n <= 6 && n <= count_) {
      for (uint32_t i = 0; i < n; ++i) {
        out[i] = queue_[head_];
        head_ = (head_ + 1) % kQueueDwords;
      }
      count_ -= n;
      return true;
    }
    disabled_now = enabled_;
    enabled_ = false;
    clear();
  }
  if (disabled_now && sink_) sink_->on_vmmouse_mode(false, false);
  return false;
}

void VmMouse::command(uint32_t sub) {
  bool changed = false, en = false, abs = false;
  {
    std::lock_guard<std::mutex> g(lock_);
    const bool was_en = enabled_, was_abs = absolute_;
    switch (sub) {
      case bdoor::kMouseCmdEnable:  // READ_ID: queue the version word, status 0
        clear();
        enabled_ = true;
        queue_[0] = bdoor::kMouseVersion;
        count_ = 1;
        break;
      case bdoor::kMouseCmdDisable:
        enabled_ = false;
        clear();
        break;
      case bdoor::kMouseCmdAbsolute: absolute_ = true; break;
      case bdoor::kMouseCmdRelative: absolute_ = false; break;
      default: break;  // unknown sub-command: ignored
    }
    en = enabled_;
    abs = absolute_;
    changed = en != was_en || abs != was_abs;
  }
  if (changed && sink_) sink_->on_vmmouse_mode(en, en && abs);
}

void VmMouse::restrict_to(uint32_t mode) {
  std::lock_guard<std::mutex> g(lock_);
  restrict_ = mode;
}

uint32_t VmMouse::restriction() {
  std::lock_guard<std::mutex> g(lock_);
  return restrict_;
}

}  // namespace vireo
