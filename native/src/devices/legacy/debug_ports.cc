#include "devices/legacy/debug_ports.h"

#include "core/le_bytes.h"

namespace vireo {

namespace {
// Little-endian value of an access of 1, 2, 4 or 8 bytes, truncated to 32 bits.
uint32_t value_of(const uint8_t* data, unsigned size) {
  return static_cast<uint32_t>(le_load(data, size < 4 ? size : 4));
}
}  // namespace

// Reads of the exit and milestone ports are not decoded: the bytes stay all-ones.
void DebugExitPort::pio_read(uint16_t, uint8_t*, unsigned, VcpuContext&) {}

void DebugExitPort::pio_write(uint16_t, const uint8_t* data, unsigned size, VcpuContext&) {
  control_.request_stop(StopReason::kPoweroff, value_of(data, size));
}

void MilestonePort::pio_read(uint16_t, uint8_t*, unsigned, VcpuContext&) {}

void MilestonePort::pio_write(uint16_t, const uint8_t* data, unsigned size, VcpuContext&) {
  control_.milestone(value_of(data, size));
}

// Both are byte ports: wider reads answer in the low byte; the rest stays all-ones.
void DebugConPort::pio_read(uint16_t, uint8_t* data, unsigned, VcpuContext&) {
  data[0] = 0xE9;  // QEMU debugcon's default "readback" value
}

void DebugConPort::pio_write(uint16_t, const uint8_t* data, unsigned, VcpuContext&) {
  // Like QEMU debugcon, only the low byte of a wider write is a character.
  std::lock_guard guard(lock_);
  if (sink_.write(data, 1) != 1) dropped_.fetch_add(1, std::memory_order_relaxed);
}

void PostCodePort::pio_read(uint16_t, uint8_t* data, unsigned, VcpuContext&) {
  data[0] = last_.load(std::memory_order_relaxed);
}

void PostCodePort::pio_write(uint16_t, const uint8_t* data, unsigned, VcpuContext&) {
  last_.store(data[0], std::memory_order_relaxed);
}

}  // namespace vireo
