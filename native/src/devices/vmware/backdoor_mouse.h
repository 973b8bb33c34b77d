// vmmouse absolute pointer: backdoor commands 39 ABSPOINTER_DATA, 40 ABSPOINTER_STATUS,
// 41 ABSPOINTER_COMMAND, 86 ABSPOINTER_RESTRICT (docs/vmware-backdoor.md §9; Linux
// drivers/input/mouse/vmmouse.c, QEMU hw/i386/vmmouse.c). The host queues 4-dword packets; the
// guest driver drains them from its PS/2 mouse interrupt, so after a successful push the host must
// make the i8042 raise a mouse IRQ (a 3-byte PS/2 packet `08 00 00`), like QEMU's
// i8042_isa_mouse_fake_event.
//
// Threads: push_* on the host thread, the commands on the vCPU thread; one small mutex.
#pragma once
#include <cstdint>
#include <mutex>

#include "devices/vmware/backdoor_command.h"

namespace vireo {

// Notified on the vCPU thread when the guest driver changes mode (must not block).
class MouseModeSink {
 public:
  virtual ~MouseModeSink() = default;
  virtual void on_vmmouse_mode(bool enabled, bool absolute) = 0;
};

class VmMouse : public BackdoorCommandHandler {
 public:
  // QEMU queues 1024 dwords (256 packets); events beyond that are dropped.
  static constexpr unsigned kQueueDwords = 1024;

  explicit VmMouse(MouseModeSink* sink) : sink_(sink) {}

  // Commands 39, 40, 41 and 86 on the port. on_command refuses 39-41 from a guest
  // privilege level the restriction (command 86) does not allow.
  void register_commands(BackdoorCommands& port);
  bool on_command(unsigned cmd, BdoorRegs& r, VcpuContext& vcpu) override;

  // Host: queues one absolute packet. x, y in 0..0xFFFF across the screen; buttons as
  // bdoor::kMouseLeft/Right/Middle; wheel > 0 = away from the user (the guest reports
  // REL_WHEEL = -(s8)z, so z carries the negated value). Returns false (dropped) when the
  // guest has not enabled the device or the queue is full.
  bool push_absolute(uint32_t buttons, uint16_t x, uint16_t y, int8_t wheel);
  // Host: queues a relative packet (dx, dy signed deltas, dy positive = down).
  bool push_relative(uint32_t buttons, int32_t dx, int32_t dy, int8_t wheel);
  // Host: what the guest asked for (enabled, absolute mode).
  bool enabled();
  bool absolute();

  // Command 40: (status << 16) | queued dwords; 0xFFFF0000 when disabled.
  uint32_t status();
  // Command 39: pops n dwords into out[0..n). n must be 1..6 and <= queued, else the
  // device is disabled (QEMU's rule) and false is returned.
  bool data(uint32_t n, uint32_t out[6]);
  // Command 41.
  void command(uint32_t sub);
  // Command 86: 0 any, 1 CPL0 only, 2 IOPL. Recorded; the answer path checks it.
  void restrict_to(uint32_t mode);
  uint32_t restriction();

 private:
  bool allowed(VcpuContext& vcpu);
  bool push(const uint32_t packet[4]);
  void clear() { head_ = count_ = 0; }

  MouseModeSink* sink_;
  std::mutex lock_;
  uint32_t queue_[kQueueDwords] = {};
  unsigned head_ = 0, count_ = 0;
  bool enabled_ = false, absolute_ = false;
  uint32_t restrict_ = 0;
};

}  // namespace vireo
