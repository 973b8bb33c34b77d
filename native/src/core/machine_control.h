// MachineControl: the requests a device may make of the whole machine (i8042 reset line,
// the debug/exit port, a guest power-off). Each is asynchronous: the vCPU loops stop at
// their next exit or kick; the requesting vCPU returns to its loop as usual.
#pragma once
#include <cstdint>

namespace vireo {

enum class StopReason : int {
  kNone = 0,
  kPoweroff,      // guest powered off (debug-exit port, ACPI-less power off)
  kReset,         // guest asked for a reset (i8042 0xFE, port 0xCF9) and reset is "exit"
  kTripleFault,   // KVM_EXIT_SHUTDOWN
  kError,         // emulation failure, internal error, host failure
  kHost,          // stopped by the host (stop(), signal)
};

class MachineControl {
 public:
  virtual ~MachineControl() = default;
  virtual void request_reset() = 0;
  virtual void request_stop(StopReason reason, uint32_t code) = 0;
  // A test guest's progress marker (debug port); timestamped by the machine.
  virtual void milestone(uint32_t value) = 0;
};

}  // namespace vireo
