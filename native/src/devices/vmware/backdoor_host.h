// Host side of the backdoor device: the fixed configuration, the host clock seam and the
// small pieces of host-set state that the vCPU thread reads (lock-free atomics). The JS
// thread writes these through the addon; the vCPU thread only loads them. § numbers below
// are sections of docs/vmware-backdoor.md.
#pragma once
#include <atomic>
#include <cstdint>

#include "devices/vmware/backdoor_command.h"

namespace vireo {

// Host wall clock for GETTIME / GETTIMEFULL(_WITH_LAG). Injectable for tests.
class HostClock {
 public:
  virtual ~HostClock() = default;
  // Microseconds since the Unix epoch, UTC. A value <= 0 is reported to the guest as an
  // error (open-vm-tools timeSync rejects host time <= 0).
  virtual int64_t utc_us() = 0;
};

// std::chrono::system_clock.
class SystemClock : public HostClock {
 public:
  int64_t utc_us() override;
};

struct BackdoorConfig {
  // GETVERSION ECX (vm_vmx_type.h): 2 = ESX (enables ESX-only plugins), 4 = Workstation.
  uint32_t product_type = 4;
  uint32_t hw_version = 21;           // GETHWVERSION EAX
  uint32_t build_number = 0xFFFFFFFF; // GETBUILDNUM EAX; -1 = unknown
  bool x2apic_ok = false;             // GET_VCPU_INFO bit 3 (only if the guest has x2APIC)
  // Advertise MESSAGE_STATUS_HB (0x80) in SENDSIZE/RECVSIZE, as VMware hosts do: SENDSIZE
  // answers 0x0081 and a RECVSIZE with a reply waiting 0x0083, and some guest clients
  // compare the status word exactly (a client that saw 0x0001 failed every RPC). The HB
  // port 0x5659 is answered either way (OpenBSD vmt uses it unasked).
  bool advertise_hb = true;
  uint32_t max_lag_us = 1000000;      // GETTIMEFULL ECX: maximum time error (§6)
  uint8_t uuid[16] = {};              // GETUUID bytes (SMBIOS system UUID order)
  uint64_t cookie_seed = 0;           // 0: seed the channel-cookie generator randomly
  HostClock* clock = nullptr;         // null: SystemClock
};

// Host-set values read on the vCPU thread, and the commands that read them or record
// the guest's side: 4 GETPTRLOCATION, 5 SETPTRLOCATION, 13 GETGUIOPTIONS, 14
// SETGUIOPTIONS, 15 GETSCREENSIZE, 36 ISMOUSEABSOLUTE (backdoor_host.cc).
class BackdoorHostState : public BackdoorCommandHandler {
 public:
  void register_commands(BackdoorCommands& port);
  bool on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) override;

  // GETSCREENSIZE: the host viewport, width and height in pixels (each truncated to 16 bits).
  void set_screen_size(uint32_t w, uint32_t h) {
    screen_.store((w & 0xFFFF) << 16 | (h & 0xFFFF), std::memory_order_relaxed);
  }
  uint32_t screen_packed() const { return screen_.load(std::memory_order_relaxed); }

  // GETHZ / GETMHZ: TSC and APIC bus frequency in kHz (0 = unknown: GETHZ unsupported).
  void set_tsc_khz(uint64_t khz) { tsc_khz_.store(khz, std::memory_order_relaxed); }
  void set_bus_khz(uint64_t khz) { bus_khz_.store(khz, std::memory_order_relaxed); }
  uint64_t tsc_khz() const { return tsc_khz_.load(std::memory_order_relaxed); }
  uint64_t bus_khz() const { return bus_khz_.load(std::memory_order_relaxed); }

  // GETPTRLOCATION: grabbed = the VM has the pointer (host window focused), with the host
  // pointer position in guest coordinates; ungrabbed reports x = -100 (§8.1).
  void set_pointer(bool grabbed, int16_t x, int16_t y) {
    uint32_t v = grabbed ? (uint32_t(uint16_t(x)) << 16 | uint16_t(y)) : kUngrabbedWord;
    pointer_.store(v, std::memory_order_relaxed);
  }
  uint32_t pointer_word() const { return pointer_.load(std::memory_order_relaxed); }
  // SETPTRLOCATION: the guest's cursor as it last reported it, (x << 16) | y.
  void store_guest_pointer(uint32_t word) { guest_pointer_.store(word, std::memory_order_relaxed); }
  uint32_t guest_pointer() const { return guest_pointer_.load(std::memory_order_relaxed); }

  // GETGUIOPTIONS mask (bdoor::kGui*); SETGUIOPTIONS from the guest is recorded apart.
  void set_gui_options(uint32_t mask) { gui_.store(mask, std::memory_order_relaxed); }
  uint32_t gui_options() const { return gui_.load(std::memory_order_relaxed); }
  void store_guest_gui_options(uint32_t m) { guest_gui_.store(m, std::memory_order_relaxed); }
  uint32_t guest_gui_options() const { return guest_gui_.load(std::memory_order_relaxed); }

  // ISMOUSEABSOLUTE: whether the host offers the absolute (vmmouse) pointer.
  void set_mouse_absolute(bool on) { mouse_abs_.store(on, std::memory_order_relaxed); }
  bool mouse_absolute() const { return mouse_abs_.load(std::memory_order_relaxed); }

 private:
  static constexpr uint32_t kUngrabbedWord = uint32_t(uint16_t(-100)) << 16;
  std::atomic<uint32_t> screen_{0};
  std::atomic<uint64_t> tsc_khz_{0}, bus_khz_{0};
  std::atomic<uint32_t> pointer_{kUngrabbedWord};
  std::atomic<uint32_t> guest_pointer_{0};
  std::atomic<uint32_t> gui_{0}, guest_gui_{0};
  std::atomic<bool> mouse_abs_{true};
};

}  // namespace vireo
