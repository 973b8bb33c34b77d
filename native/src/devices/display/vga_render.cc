#include "devices/display/vga_render.h"

#include <algorithm>

#include "devices/display/vga_font.h"

namespace vireo {

namespace {
uint32_t vertical_display_end(const VgaRegisters& r) {
  return r.crtc[0x12] | (r.crtc[0x07] & 0x02) << 7 | (r.crtc[0x07] & 0x40) << 3;
}
uint8_t scale6(uint8_t v) { return static_cast<uint8_t>((v & 0x3f) << 2 | (v & 0x3f) >> 4); }

// Attribute palette register -> DAC index (attribute mode control bit 7 selects where
// DAC index bits 5:4 come from; color select 0x14 supplies bits 7:6).
uint8_t attribute_to_dac(const VgaRegisters& r, uint8_t color) {
  uint8_t pal = r.attr[color & 0x0f] & 0x3f;
  uint8_t sel = r.attr[0x14];
  uint8_t low = (r.attr[0x10] & 0x80) ? static_cast<uint8_t>((sel & 0x03) << 4 | (pal & 0x0f)) : pal;
  return static_cast<uint8_t>((sel & 0x0c) << 4 | low);
}

bool font_loaded(const uint8_t* window) {
  for (uint32_t i = 0; i < 256 * 32; ++i)
    if (window[i]) return true;
  return false;
}

void render_text(const VgaRegisters& r, const uint8_t* window, const VgaModeInfo& m, uint32_t* out) {
  const bool own_font = font_loaded(window);
  const bool blink = r.attr[0x10] & 0x08;
  const uint32_t start = r.crtc[0x0c] << 8 | r.crtc[0x0d];
  const uint32_t cursor = r.crtc[0x0e] << 8 | r.crtc[0x0f];
  const bool cursor_on = !(r.crtc[0x0a] & 0x20);
  const uint32_t cursor_first = r.crtc[0x0a] & 0x1f, cursor_last = r.crtc[0x0b] & 0x1f;
  const uint8_t* text = window + VgaDevice::kTextOffset;
  for (uint32_t row = 0; row < m.rows; ++row) {
    for (uint32_t col = 0; col < m.cols; ++col) {
      uint32_t cell = start + row * m.cols + col;
      uint32_t off = (cell * 2) & 0x7ffe;  // the 32 KiB text window wraps
      uint8_t ch = text[off], at = text[off + 1];
      uint32_t fg = vga_dac_color(r, attribute_to_dac(r, at & 0x0f));
      uint32_t bg = vga_dac_color(r, attribute_to_dac(r, blink ? (at >> 4) & 7 : at >> 4));
      const uint8_t* glyph = own_font ? window + ch * 32 : builtin_glyph_8x16(ch);
      for (uint32_t y = 0; y < m.cell_height; ++y) {
        uint8_t bits = own_font || y < 16 ? glyph[y] : 0;
        if (cursor_on && cell == cursor && y >= cursor_first && y <= cursor_last) bits = 0xff;
        uint32_t* px = out + (row * m.cell_height + y) * m.width + col * 8;
        for (int x = 0; x < 8; ++x) px[x] = (bits & (0x80 >> x)) ? fg : bg;
      }
    }
  }
}

void render_256(const VgaRegisters& r, const uint8_t* window, const VgaModeInfo& m, uint32_t* out) {
  uint32_t pitch = r.crtc[0x13] ? r.crtc[0x13] * 8u : m.width;
  uint32_t start = (r.crtc[0x0c] << 8 | r.crtc[0x0d]) * 4u;
  for (uint32_t y = 0; y < m.height; ++y)
    for (uint32_t x = 0; x < m.width; ++x)
      out[y * m.width + x] = vga_dac_color(r, window[(start + y * pitch + x) & 0xffff]);
}
}  // namespace

uint32_t vga_dac_color(const VgaRegisters& r, uint8_t index) {
  const uint8_t* c = &r.dac[(index & r.dac_mask) * 3];
  return uint32_t{scale6(c[0])} << 16 | uint32_t{scale6(c[1])} << 8 | scale6(c[2]);
}

VgaModeInfo vga_mode_info(const VgaRegisters& r) {
  VgaModeInfo m;
  uint32_t max_scan = (r.crtc[0x09] & 0x1f) + 1;
  uint32_t lines = vertical_display_end(r) + 1;
  if (r.attr[0x10] & 0x01) {  // graphics
    if (!(r.seq[0x04] & 0x08)) {
      m.kind = VgaModeInfo::Kind::kUnsupported;  // planar 16-color modes
      return m;
    }
    m.kind = VgaModeInfo::Kind::kGraphics256;
    m.width = (r.crtc[0x01] + 1u) * 4;
    m.height = lines / max_scan / ((r.crtc[0x09] & 0x80) ? 2 : 1);
    if (m.width < 64 || m.width > 400 || m.height < 64 || m.height > 300) {
      m.width = 320;
      m.height = 200;
    }
    return m;
  }
  m.kind = VgaModeInfo::Kind::kText;
  m.cols = r.crtc[0x01] + 1u;
  m.cell_height = max_scan;
  m.rows = lines / max_scan;
  if (m.cols < 20 || m.cols > 132 || m.cell_height < 8 || m.rows < 10 || m.rows > 60) {
    m.cols = 80;
    m.rows = 25;
    m.cell_height = 16;
  }
  m.width = m.cols * 8;
  m.height = m.rows * m.cell_height;
  return m;
}

void vga_render(const VgaRegisters& r, const uint8_t* window, const VgaModeInfo& info,
                uint32_t* out) {
  switch (info.kind) {
    case VgaModeInfo::Kind::kText: render_text(r, window, info, out); break;
    case VgaModeInfo::Kind::kGraphics256: render_256(r, window, info, out); break;
    case VgaModeInfo::Kind::kUnsupported: break;
  }
}

}  // namespace vireo
