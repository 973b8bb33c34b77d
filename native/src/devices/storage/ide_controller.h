// PiixIde: the IDE function of an Intel PIIX3 (82371SB, 8086:7010), class 01h/01h,
// programming interface 80h: both channels in ISA-compatible ("legacy") mode at fixed
// ports, bus-master capable in principle but without the bus-master BAR (BAR4 reads 0),
// so SeaBIOS (init_pciata) and Linux ata_piix ("BAR4 is zero") use PIO.
//   primary   0x1F0-0x1F7, 0x3F6, IRQ 14
//   secondary 0x170-0x177, 0x376, IRQ 15
// The legacy ports are registered on the PioBus directly (they lie below the PCI I/O
// window and are not BARs). Config 0x40-0x43 are the IDETIM registers with the decode
// enable bits (15) set, which ata_piix checks before it probes a channel.
#pragma once
#include <array>
#include <memory>

#include "core/irq.h"
#include "devices/pci/pci_device.h"
#include "devices/storage/ide_channel.h"

namespace vireo {

class PiixIde : public PciDevice {
 public:
  static constexpr uint16_t kPrimaryCmd = 0x1F0, kPrimaryCtrl = 0x3F6, kSecondaryCmd = 0x170,
                            kSecondaryCtrl = 0x376;
  static constexpr unsigned kPrimaryIrq = 14, kSecondaryIrq = 15;

  // res.pio is required (legacy ports); irq14/irq15 are the ISA interrupt lines.
  PiixIde(PciResources res, IrqLine& irq14, IrqLine& irq15);
  ~PiixIde() override;

  // Before boot: a disk or CD-ROM at channel 0/1, unit 0 (master) / 1 (slave).
  Status attach(unsigned channel, unsigned unit, IdeDriveKind kind, BlockBackend* backend);
  // Registers the four legacy port ranges on res.pio.
  Status register_ports();
  // Machine reset: channels back to power-on state (config space: reset_config()).
  void reset();

  IdeChannel& channel(unsigned i) { return *channels_[i & 1]; }

 private:
  PioBus* pio_;
  std::array<std::unique_ptr<IdeChannel>, 2> channels_;
  bool registered_ = false;
};

}  // namespace vireo
