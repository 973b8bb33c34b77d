// BochsVbe: the Bochs "DISPI" VBE interface (index port 0x1CE, data port 0x1CF, 16-bit),
// which SeaBIOS's VGA BIOS for 15ad:0405 (vgasrc/bochsvga.c) uses for VESA modes with the
// linear framebuffer in SVGA BAR1 (VRAM). Registers:
//   0 ID (0xB0C0-0xB0C5 accepted, reads back), 1 XRES, 2 YRES, 3 BPP (8/15/16/24/32),
//   4 ENABLE (bit 0 enabled, 1 GETCAPS, 5 8-bit DAC, 6 LFB, 7 no clear), 5 BANK (stored;
//   the banked 0xA0000 window is not emulated), 6 VIRT_WIDTH, 7 VIRT_HEIGHT (read only,
//   derived), 8 X_OFFSET, 9 Y_OFFSET, 10 VIDEO_MEMORY_64K (read only).
// Like QEMU's implementation, XRES/YRES/BPP are only writable while disabled; enabling
// validates the mode against VRAM (an invalid mode stays disabled), resets the virtual
// size and offsets, and clears the visible frame unless "no clear" is set.
#pragma once
#include <cstdint>
#include <mutex>

#include "core/bus.h"

namespace vireo {

struct VbeScanout {
  bool enabled = false;  // enabled and the geometry fits VRAM
  bool dac8 = false;     // 8-bit DAC (8-bpp modes use 8-bit palette components)
  uint32_t width = 0, height = 0, bpp = 0, pitch = 0;
  uint64_t offset = 0;   // first visible byte in VRAM
};

class BochsVbe : public PioDevice {
 public:
  static constexpr uint16_t kIndexPort = 0x1CE, kPortCount = 2;  // pio.add(0x1CE, 2, ...)
  static constexpr uint16_t kEnabled = 0x01, kGetCaps = 0x02, kDac8 = 0x20, kLfb = 0x40,
                            kNoClear = 0x80;
  enum Index : uint16_t {
    kId = 0, kXres, kYres, kBpp, kEnable, kBank, kVirtWidth, kVirtHeight, kXOffset, kYOffset,
    kVideoMemory64k, kCount
  };

  // `vram` is the SVGA VRAM (BAR1 backing); the caller keeps it alive.
  BochsVbe(uint8_t* vram, uint64_t vram_size, uint16_t max_xres, uint16_t max_yres);

  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& vcpu) override;

  void reset();  // guest reset: disabled, 640x480x32, ID 0xB0C5
  uint16_t read_register(uint16_t index);
  void write_register(uint16_t index, uint16_t value);
  VbeScanout scanout();

 private:
  uint16_t read_locked(uint16_t index) const;
  void write_locked(uint16_t index, uint16_t value);
  uint32_t pitch_locked() const;

  uint8_t* vram_;
  uint64_t vram_size_;
  uint16_t max_xres_, max_yres_;
  std::mutex mu_;
  uint16_t index_ = 0;
  uint16_t regs_[kCount] = {};
};

}  // namespace vireo
