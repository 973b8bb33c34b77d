// VgaDevice: the legacy VGA register file and the 0xA0000-0xBFFFF memory window, as much
// as SeaBIOS's VGA BIOS (vgabios-vmware.bin, built from vgasrc/stdvga*.c) and text-mode
// guests need (docs/seabios-fwcfg.md (d)):
//   0x3C0/0x3C1 attribute controller (index/data flip-flop, reset by reading 0x3DA/0x3BA)
//   0x3C2 misc output (write) / input status 0 (read), 0x3CC misc output (read)
//   0x3C4/0x3C5 sequencer, 0x3CE/0x3CF graphics controller
//   0x3C6 DAC mask, 0x3C7 DAC read index (write) / state (read), 0x3C8 write index,
//   0x3C9 DAC data (R, G, B, 6 bits each, auto-increment)
//   0x3D4/0x3D5 CRTC (also 0x3B4/0x3B5), 0x3DA input status 1 (also 0x3BA): bits 0
//   (display enable) and 3 (vertical retrace) toggle on every read so retrace waits end.
// Wider accesses are split into byte accesses at consecutive ports, which is how the
// BIOS's 16-bit `outw` of index + data to 0x3C4/0x3CE/0x3D4 works on real hardware.
// The memory window is ordinary RAM mapped through the SlotMapper (with dirty logging):
// text lands at 0xB8000 as {char, attribute} words and the font the BIOS loads while
// plane 2 is selected lands at 0xA0000 + 32 * char, where the renderer finds it. Planar
// write modes, latches and Odd/Even are not emulated.
#pragma once
#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/bus.h"
#include "core/slot_mapper.h"
#include "devices/pci/pci_device.h"

namespace vireo {

struct VgaRegisters {
  uint8_t misc = 0;
  std::array<uint8_t, 8> seq{};
  std::array<uint8_t, 16> gc{};
  std::array<uint8_t, 32> crtc{};
  std::array<uint8_t, 32> attr{};
  std::array<uint8_t, 768> dac{};  // as written: 6-bit components, 8-bit with VBE DAC8
  uint8_t dac_mask = 0xff;
};

class VgaDevice : public PioDevice {
 public:
  static constexpr uint64_t kWindowBase = 0xA0000, kWindowSize = 0x20000;
  static constexpr uint64_t kTextOffset = 0x18000;  // 0xB8000 inside the window

  // Registers start in the 80x25 color text state (mode 3) so a guest that never runs a
  // VGA BIOS and writes to 0xB8000 is shown correctly.
  VgaDevice();
  ~VgaDevice() override;
  // Guest reset: registers back to the mode 3 state; the window keeps its contents.
  void reset();
  // Registers the ports on `pio` and maps the window at 0xA0000 (writable, dirty-logged).
  Status attach(PioBus& pio, SlotMapper& slots);

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  // Host side.
  const uint8_t* window() const { return window_.data(); }
  uint8_t* window_for_test() { return window_.data(); }
  VgaRegisters registers();
  uint64_t generation();  // bumps on every register write that may change the picture
  Status take_window_dirty(std::vector<uint64_t>* bitmap);  // one bit per 4 KiB page

 private:
  uint8_t read_port(uint16_t port);
  void write_port(uint16_t port, uint8_t value);
  bool crtc_port(uint16_t port) const;  // 0x3Dx with misc bit 0 set, else 0x3Bx

  HostPages window_;
  SlotMapper* slots_ = nullptr;
  int slot_ = -1;
  std::mutex mu_;
  VgaRegisters r_;
  uint8_t seq_index_ = 0, gc_index_ = 0, crtc_index_ = 0, attr_index_ = 0;
  bool attr_flip_ = false;  // false: next 0x3C0 write is an index
  uint8_t dac_read_ = 0, dac_write_ = 0, dac_component_ = 0;
  bool dac_reading_ = false;
  uint8_t status_toggle_ = 0, feature_ = 0;
  uint64_t generation_ = 1;
};

}  // namespace vireo
