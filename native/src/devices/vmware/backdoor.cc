#include "devices/vmware/backdoor.h"

#include <chrono>
#include <cstring>

namespace vireo {

int64_t SystemClock::utc_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

Backdoor::Backdoor(const BackdoorConfig& config, GuestRpcHandler* rpc, ClipboardSink* clipboard,
                   MouseModeSink* mouse)
    : config_(config),
      clock_(config.clock ? config.clock : &system_clock_),
      clipboard_(clipboard),
      mouse_(mouse),
      rpc_(rpc, config.cookie_seed, config.advertise_hb),
      hb_(std::make_unique<HbStream[]>(kMaxVcpus)) {}

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
    // Not a backdoor call: EAX reads all-ones, nothing else changes (doc §2.2 step 1).
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

bool Backdoor::mouse_allowed(VcpuContext& vcpu, const Regs& regs) {
  switch (mouse_.restriction()) {
    case 1: return vcpu.cpl() == 0;                                // CPL0 only
    case 2: return vcpu.cpl() <= ((regs.rflags >> 12) & 3);        // CPL <= EFLAGS.IOPL
    default: return true;
  }
}

// GETTIME (23), GETTIMEFULL (46), GETTIMEFULL_WITH_LAG (55), doc §6 and open-vm-tools
// services/plugins/timeSync/timeSync.c. Interrupt lag is 0: KVM does not catch up lost
// ticks the way VMware does.
void Backdoor::get_time(BdoorRegs& r, bool full, bool with_lag) {
  const int64_t us = clock_->utc_us();
  if (us <= 0) {
    r.eax = bdoor::kUnsupported;
    return;
  }
  const uint64_t secs = uint64_t(us) / 1000000;
  r.ebx = uint32_t(uint64_t(us) % 1000000);
  r.ecx = config_.max_lag_us;
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

void Backdoor::lb_command(BdoorRegs& r, VcpuContext& vcpu) {
  const unsigned cmd = r.ecx & 0xFFFF;  // BDOOR_CMD(ecx): ECX[31:16] is a sub-command
  stats_.count_command(cmd);
  switch (cmd) {
    case bdoor::kGetMhz: {
      const uint64_t khz = host_.tsc_khz();
      r.eax = khz ? uint32_t(khz / 1000) : bdoor::kUnsupported;
      break;
    }
    case bdoor::kGetPtrLocation: r.eax = host_.pointer_word(); break;
    case bdoor::kSetPtrLocation: host_.store_guest_pointer(r.ebx); break;
    case bdoor::kGetSelLength: r.eax = uint32_t(clipboard_.get_length()); break;
    case bdoor::kGetNextPiece: r.eax = clipboard_.next_piece(); break;
    case bdoor::kSetSelLength: clipboard_.set_length(r.ebx); break;
    case bdoor::kSetNextPiece: clipboard_.set_piece(r.ebx); break;
    case bdoor::kGetVersion:
      r.eax = bdoor::kVersionMagic;
      r.ebx = bdoor::kMagic;
      r.ecx = config_.product_type;
      break;
    case bdoor::kGetDeviceListElement: r.eax = 0; break;  // FALSE: no removable devices
    case bdoor::kToggleDevice: r.eax = 0; break;          // failure
    case bdoor::kGetGuiOptions: r.eax = host_.gui_options(); break;
    case bdoor::kSetGuiOptions: host_.store_guest_gui_options(r.ebx); break;
    case bdoor::kGetScreenSize: r.eax = host_.screen_packed(); break;
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
    case bdoor::kGetTime: get_time(r, false, false); break;
    case bdoor::kStopCatchup: break;  // no lost-tick catch-up to stop
    case bdoor::kMessage: {
      // Any message call ends an HB stream this vCPU left unfinished (a fault mid-`rep`).
      if (vcpu.index() < kMaxVcpus) hb_[vcpu.index()].active = false;
      MsgRegs m{r.ebx, r.ecx, r.edx, r.esi, r.edi};
      stats_.count_message(r.ecx >> 16);
      rpc_.message(m);
      if (!(m.ecx >> 16 & bdoor::kStSuccess)) stats_.count_rpc_failure();
      r.ebx = m.ebx;
      r.ecx = m.ecx;
      r.edx = m.edx;
      r.esi = m.esi;
      r.edi = m.edi;
      break;
    }
    case bdoor::kIsMouseAbsolute: r.eax = host_.mouse_absolute() ? 1 : 0; break;
    case bdoor::kAbsPointerData:
    case bdoor::kAbsPointerStatus:
    case bdoor::kAbsPointerCommand: {
      if (!mouse_allowed(vcpu, vcpu.regs())) {
        r.eax = bdoor::kUnsupported;
        stats_.count_unsupported();
        break;
      }
      if (cmd == bdoor::kAbsPointerStatus) {
        r.eax = mouse_.status();
      } else if (cmd == bdoor::kAbsPointerCommand) {
        mouse_.command(r.ebx);
      } else {
        // EBX = n dwords into EAX, EBX, ECX, EDX (ESI, EDI for n > 4, as QEMU).
        uint32_t out[6];
        const uint32_t n = r.ebx;
        if (!mouse_.data(n, out)) break;  // device now disabled; STATUS reports it
        uint32_t* dst[6] = {&r.eax, &r.ebx, &r.ecx, &r.edx, &r.esi, &r.edi};
        for (uint32_t i = 0; i < n; ++i) *dst[i] = out[i];
      }
      break;
    }
    case bdoor::kAbsPointerRestrict: mouse_.restrict_to(r.ebx); break;
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
    case bdoor::kNestingControl: r.eax = bdoor::kUnsupported; break;  // no nesting
    case bdoor::kGetVcpuInfo:
      // Bit 31 (RESERVED) clear = implemented; bit 3 LEGACY_X2APIC_OK per config.
      r.eax = config_.x2apic_ok ? bdoor::kVcpuLegacyX2ApicOk : 0;
      break;
    case bdoor::kMksGuestStats:
      if (vcpu.cpl() != 0) {  // CPL0-only in backdoor_def.h
        r.eax = bdoor::kUnsupported;
        stats_.count_unsupported();
      }
      break;  // statistics pages are accepted and ignored
    case bdoor::kStealClock: r.eax = bdoor::kUnsupported; break;  // -1: not available
    case bdoor::kGetBuildNum: r.eax = config_.build_number; break;
    default:
      r.eax = bdoor::kUnsupported;
      stats_.count_unsupported();
      break;
  }
}

}  // namespace vireo
