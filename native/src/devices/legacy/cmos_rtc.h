// CmosRtc: the PC/AT MC146818A real-time clock with its 128 bytes of CMOS RAM.
//   0x70  write: index (bit 7 = NMI disable, kept but not acted on); reads 0xFF.
//   0x71  data of the indexed byte.
// Time registers (0x00 seconds, 0x02 minutes, 0x04 hours, 0x06 day of week, 0x07 day,
// 0x08 month, 0x09 year, 0x32 century) are computed from host UTC plus a guest offset, in
// BCD or binary (register B bit 2) and 24 h or 12 h (bit 1, PM in hours bit 7). A guest
// that writes them moves its clock: the offset from host time is kept. While register B
// bit 7 (SET) is 1 the clock reads and writes a frozen copy; clearing SET starts it from
// the written values (as Linux mc146818_set_time does).
// Register A reads UIP (bit 7) as 0, C reads 0 (no interrupt flags), D reads 0x80 (VRT).
// Not modelled: periodic, alarm and update-ended interrupts (IRQ 8); the alarm bytes and
// register B's interrupt-enable bits are plain storage.
// Memory-size bytes follow the AT/QEMU layout (see the constructor) so SeaBIOS can size
// RAM without etc/e820, and 0x5F holds the CPU count minus 1 (SeaBIOS smp.c).
#pragma once
#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>

#include "core/bus.h"

namespace vireo {

class CmosRtc : public PioDevice {
 public:
  // Host time source: UTC seconds since 1970. Empty = the host's real-time clock.
  using Clock = std::function<int64_t()>;

  CmosRtc(uint64_t ram_below_4g_bytes, uint64_t ram_above_4g_bytes, unsigned cpus,
          Clock clock = {});

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // The guest's view of the current time (UTC seconds), for the host UI and tests.
  int64_t guest_time();
  bool nmi_masked();

 private:
  uint8_t read_reg(unsigned index);  // caller holds lock_
  void write_reg(unsigned index, uint8_t value);
  void write_time_field(unsigned index, uint8_t value);
  std::tm current_tm();
  void set_time(std::tm tm);
  uint8_t encode(int value) const;
  bool decode(uint8_t raw, int* value) const;

  Clock clock_;
  std::mutex lock_;
  uint8_t ram_[128] = {};
  unsigned index_ = 0;
  bool nmi_masked_ = false;
  int64_t offset_ = 0;  // guest time - host time, seconds
  bool frozen_ = false;  // register B SET
  std::tm frozen_tm_{};
};

}  // namespace vireo
