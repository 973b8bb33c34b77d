// AhciHba: a SATA AHCI 1.3 host bus adapter as VMware's virtual hardware presents it
// (PCI 15ad:07e0 "SATA AHCI controller", class 01h/06h/01h), with up to 30 ports as a
// VMware `sata0:0` ... `sata0:29` controller has. Registers in the memory BAR 5 (ABAR,
// AHCI 1.3.1 section 3): generic host control at 0, port p at 0x100 + 0x80 * p. Only
// 32-bit accesses reach the registers (what the specification requires of software);
// narrower reads see the addressed bytes, narrower writes are dropped.
// Interrupt: INTx pin A, asserted while GHC.IE and some port's PxIS & PxIE are set; IS
// is derived from the ports, so clearing PxIS clears it.
// SeaBIOS (src/hw/ahci.c) and Linux (drivers/ata/ahci.c) bind to the class code.
#pragma once
#include <array>
#include <memory>
#include <mutex>

#include "core/irq.h"
#include "devices/pci/pci_device.h"
#include "devices/storage/ahci_port.h"

namespace vireo {

class AhciHba : public PciDevice, private PciBarHandler {
 public:
  static constexpr unsigned kPorts = 30;
  static constexpr uint32_t kClassCode = 0x010601;
  static constexpr uint32_t kBarSize = 0x1000;

  AhciHba(std::string name, PciResources res, IrqLine& irq, uint8_t irq_line);
  // Before the guest runs: a disk or CD-ROM on port `port` (VMware's sata0:<port>).
  Status attach(unsigned port, IdeDriveKind kind, BlockBackend* backend);
  // Machine reset (config space: reset_config()).
  void reset();

  uint64_t commands() const;

 private:
  void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  uint32_t read_locked(unsigned offset) const;
  void write_locked(unsigned offset, uint32_t value, const GuestMemory& mem);
  void reset_locked();
  void update_irq_locked();

  IrqLine& irq_;
  mutable std::mutex mu_;
  std::array<std::unique_ptr<AhciPort>, kPorts> ports_;
  uint32_t implemented_ = 1;  // PI: port 0 up to the highest attached port
  uint32_t ghc_ = 0;
  bool line_ = false;
};

}  // namespace vireo
