// DisplayAdapter: the whole display card of a Vireo PC in one object, so the board wires
// one thing: the SVGA II PCI function (BARs, option ROM), the legacy VGA ports and the
// 0xA0000-0xBFFFF window, the Bochs VBE ports (its framebuffer is the SVGA VRAM), and the
// host Display over all three.
//   PioBus:  0x3B4-0x3B5, 0x3BA, 0x3C0-0x3DF (VGA), 0x1CE-0x1CF (VBE); BAR0 when decoded
//   Slots:   0xA0000 + 128 KiB (VGA window, dirty-logged; guest RAM must leave this hole),
//            BAR1 VRAM (dirty-logged), BAR2 FIFO, expansion ROM (read-only)
// BAR addresses come from the guest's firmware or from PciHost::assign_resources().
#pragma once
#include <memory>

#include "devices/display/svga_device.h"
#include "devices/display/svga_display.h"
#include "devices/display/vbe.h"
#include "devices/display/vga.h"
#include "devices/pci/pci_host.h"

namespace vireo {

class DisplayAdapter {
 public:
  // Builds the devices and registers them; `slot` is the PCI device number on bus 0.
  Status init(const SvgaConfig& config, PciResources res, PciHost& host, unsigned slot);
  // Guest reset: every register back to power-on; VRAM and the VGA window keep contents.
  void reset();

  SvgaDevice& svga() { return *svga_; }
  VgaDevice& vga() { return *vga_; }
  BochsVbe& vbe() { return *vbe_; }
  Display& display() { return *display_; }  // one consumer thread (see svga_display.h)

 private:
  std::unique_ptr<SvgaDevice> svga_;
  std::unique_ptr<VgaDevice> vga_;
  std::unique_ptr<BochsVbe> vbe_;
  std::unique_ptr<Display> display_;
};

}  // namespace vireo
