// SystemControlPortA: port 0x92, PS/2 "System Control Port A" (fast A20 gate and fast
// reset). Bit 1 is the A20 gate (stored and read back; KVM memory has no A20 mask), bit 0
// written as 1 pulses the CPU reset line and reads back 0. SeaBIOS toggles bit 1 and keeps
// bit 0 as read, so it never resets by accident.
#pragma once
#include <cstdint>
#include <mutex>

#include "core/bus.h"
#include "core/machine_control.h"

namespace vireo {

class SystemControlPortA : public PioDevice {
 public:
  static constexpr uint16_t kPort = 0x92;
  explicit SystemControlPortA(MachineControl& control) : control_(control) {}
  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

 private:
  MachineControl& control_;
  std::mutex lock_;
  uint8_t value_ = 0x02;  // A20 enabled at power-on
};

}  // namespace vireo
