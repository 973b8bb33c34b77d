#include "devices/legacy/system_control_port.h"

namespace vireo {

void SystemControlPortA::pio_read(uint16_t, uint8_t* data, unsigned, VcpuContext&) {
  std::lock_guard guard(lock_);
  data[0] = value_;
}

void SystemControlPortA::pio_write(uint16_t, const uint8_t* data, unsigned, VcpuContext&) {
  std::lock_guard guard(lock_);
  value_ = data[0] & 0xFE;  // bit 0 is a pulse: it reads back 0
  if (data[0] & 0x01) control_.request_reset();
}

}  // namespace vireo
