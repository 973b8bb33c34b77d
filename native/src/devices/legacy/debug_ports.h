// Small diagnostic ports used by firmware and the project's test guests
// (native/guests/CONTRACT.md):
//   DebugExitPort  0xF4  a write of any size ends the run: power-off with that value
//                        (QEMU isa-debug-exit, iobase=0xf4, iosize=4).
//   MilestonePort  0xF8  a write records a timestamped milestone (benchmarks, progress).
//   DebugConPort   0x402 QEMU debugcon: writes are characters (SeaBIOS logs there); a read
//                        returns 0xE9, which SeaBIOS checks before using the port.
//   PostCodePort   0x80  POST diagnostic latch: keeps the last byte written.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/bus.h"
#include "core/machine_control.h"
#include "devices/legacy/uart16550.h"  // ByteSink

namespace vireo {

class DebugExitPort : public PioDevice {
 public:
  explicit DebugExitPort(MachineControl& control) : control_(control) {}
  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

 private:
  MachineControl& control_;
};

class MilestonePort : public PioDevice {
 public:
  explicit MilestonePort(MachineControl& control) : control_(control) {}
  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

 private:
  MachineControl& control_;
};

class DebugConPort : public PioDevice {
 public:
  explicit DebugConPort(ByteSink& sink) : sink_(sink) {}
  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  // Characters the sink refused. debugcon has no flow control, so they are dropped.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  ByteSink& sink_;
  std::mutex lock_;  // keeps characters from several vCPUs in one order
  std::atomic<uint64_t> dropped_{0};
};

class PostCodePort : public PioDevice {
 public:
  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  uint8_t last() const { return last_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint8_t> last_{0};
};

}  // namespace vireo
