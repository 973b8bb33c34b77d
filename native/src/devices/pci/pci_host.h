// PciHost: PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2) on bus 0.
// 0xCF8-0xCFB is a 32-bit address latch (bit 31 enable, 23:16 bus, 15:11 device,
// 10:8 function, 7:2 register) that accepts 1/2/4-byte accesses at any of its bytes;
// 0xCFC-0xCFF is the data window, config offset = (latch & 0xFC) + (port - 0xCFC).
// Only function 0 of each slot on bus 0 exists (all devices are single-function), so
// Linux with pci=conf1 enumerates without ACPI. Absent functions, other buses, and data
// accesses with the enable bit clear read all-ones; writes to them are dropped.
// Register once on the PioBus: pio.add(PciHost::kPortBase, PciHost::kPortCount, &host, "pci").
#pragma once
#include <array>
#include <cstdint>
#include <mutex>

#include "core/bus.h"
#include "core/status.h"
#include "devices/pci/pci_device.h"

namespace vireo {

class PciHost : public PioDevice {
 public:
  static constexpr uint16_t kPortBase = 0xCF8, kPortCount = 8, kDataPort = 0xCFC;
  static constexpr unsigned kSlots = 32;

  // The device stays owned by the caller and must outlive the host's use of it.
  Status add_device(unsigned slot, PciDevice* device);

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // Firmware-style resource assignment for guests that boot without a BIOS (Linux direct
  // boot, test guests): BARs 0-5 of every device get addresses, I/O upward from io_start,
  // memory upward from mem_start in decreasing size order (each naturally aligned), and
  // COMMAND gets I/O and/or memory decode. Expansion ROM BARs stay unassigned (disabled).
  // Fails without changing anything when the windows are too small.
  Status assign_resources(uint16_t io_start, uint32_t mem_start, uint32_t mem_end);

  // Direct config access (tests, VMM diagnostics); same answers as through the ports.
  uint32_t config_read(unsigned bus, unsigned slot, unsigned fn, unsigned offset, unsigned size);
  void config_write(unsigned bus, unsigned slot, unsigned fn, unsigned offset, unsigned size,
                    uint32_t value);

 private:
  PciDevice* lookup(unsigned bus, unsigned slot, unsigned fn) const;

  std::mutex mu_;  // serializes configuration cycles (the latch is machine-global)
  uint32_t latch_ = 0;
  std::array<PciDevice*, kSlots> slots_{};
};

// 00:00.0 host bridge: Intel 82441FX (i440FX, 8086:1237), class 0x060000. Its config
// space above the header (0x40-0xFF: PAM 0x59-0x5F, SMRAM 0x72, ...) is plain storage
// that reads back what was written; the VMM gives those registers no meaning. SeaBIOS
// finds it (fw/shadow.c), sees PAM0 bit 4 clear and copies itself to low RAM, which is
// harmless when 0xC0000-0xFFFFF is ordinary writable RAM.
class PciHostBridge : public PciDevice {
 public:
  explicit PciHostBridge(PciResources res);
};

}  // namespace vireo
