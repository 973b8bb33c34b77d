// Turns the legacy VGA state into pixels: alphanumeric (text) modes and the chained
// 256-color mode (mode 13h). Pure functions of a register snapshot and the 128 KiB
// window, so the display thread renders without holding the device lock. Output pixels
// are 0x00RRGGBB words (bytes B, G, R, X), like 32-bpp SVGA VRAM.
#pragma once
#include <cstdint>

#include "devices/display/vga.h"

namespace vireo {

struct VgaModeInfo {
  enum class Kind { kText, kGraphics256, kUnsupported };
  Kind kind = Kind::kText;
  uint32_t width = 0, height = 0;      // pixels
  uint32_t cols = 0, rows = 0, cell_height = 0;  // text modes
};

// Geometry from the CRTC (horizontal display end 0x01, vertical display end 0x12 with
// overflow bits in 0x07, maximum scan line 0x09), sequencer memory mode 0x04 and
// attribute mode control 0x10. Out-of-range values fall back to 80x25 / 320x200.
VgaModeInfo vga_mode_info(const VgaRegisters& r);
// Writes info.width * info.height pixels to `out`. Text uses the font in plane 2
// (window offset 0, 32 bytes per character) when the guest loaded one, else the
// built-in font; the hardware cursor is drawn steady (no blink).
void vga_render(const VgaRegisters& r, const uint8_t* window, const VgaModeInfo& info,
                uint32_t* out);
// DAC entry -> 0x00RRGGBB (6-bit components scaled to 8 bits), after the DAC mask.
uint32_t vga_dac_color(const VgaRegisters& r, uint8_t index);

}  // namespace vireo
