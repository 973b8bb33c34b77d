#include "devices/display/svga_display.h"

#include <algorithm>
#include <cstring>

#include "core/le_bytes.h"

namespace vireo {

namespace {
bool vga_source(DisplaySource s) { return s == DisplaySource::kText || s == DisplaySource::kVga256; }

// 5/6-bit channel to 8 bits, replicating the high bits into the low ones.
uint32_t expand(uint32_t v, int bits) { return (v << (8 - bits)) | (v >> (2 * bits - 8)); }

void put(uint32_t rgb, PixelFormat f, uint8_t* out) {
  uint8_t r = static_cast<uint8_t>(rgb >> 16), g = static_cast<uint8_t>(rgb >> 8),
          b = static_cast<uint8_t>(rgb);
  if (f == PixelFormat::kRgba) {
    out[0] = r;
    out[2] = b;
  } else {
    out[0] = b;
    out[2] = r;
  }
  out[1] = g;
  out[3] = 0xff;
}
}  // namespace

Display::Display(SvgaDevice& svga, VgaDevice& vga, BochsVbe& vbe) : svga_(svga), vga_(vga), vbe_(vbe) {}

void Display::set_mode_listener(std::function<void(const DisplayMode&)> listener) {
  listener_ = std::move(listener);
}

bool Display::set_boot_framebuffer(uint32_t width, uint32_t height) {
  if ((width == 0) != (height == 0) || uint64_t{width} * height * 4 > svga_.vram_size()) return false;
  boot_width_ = width;
  boot_height_ = height;
  return true;
}

DisplayMode Display::mode() {
  SvgaScanout s = svga_.scanout();
  if (s.shown) return {DisplaySource::kSvga, s.width, s.height, s.bpp, s.pitch, 0};
  VbeScanout v = vbe_.scanout();
  if (v.enabled) return {DisplaySource::kVbe, v.width, v.height, v.bpp, v.pitch, v.offset};
  if (boot_width_) return {DisplaySource::kBoot, boot_width_, boot_height_, 32, boot_width_ * 4, 0};
  VgaModeInfo i = vga_mode_info(vga_.registers());
  switch (i.kind) {
    case VgaModeInfo::Kind::kText:
      return {DisplaySource::kText, i.width, i.height, 32, i.width * 4, 0};
    case VgaModeInfo::Kind::kGraphics256:
      return {DisplaySource::kVga256, i.width, i.height, 32, i.width * 4, 0};
    case VgaModeInfo::Kind::kUnsupported: break;
  }
  return {DisplaySource::kBlank, kBlankWidth, kBlankHeight, 32, kBlankWidth * 4, 0};
}

bool Display::check_mode(DisplayMode* m) {
  *m = mode();
  if (reported_ && *m == last_mode_) return false;
  reported_ = true;
  last_mode_ = *m;
  if (listener_) listener_(*m);
  return true;
}

void Display::render_vga(const DisplayMode& m) {
  vga_regs_ = vga_.registers();
  VgaModeInfo info = vga_mode_info(vga_regs_);
  // A window that was never attached (no memory) or a mode that changed since `m` was
  // read renders black.
  if (!vga_.window() || info.width != m.width || info.height != m.height)
    info.kind = VgaModeInfo::Kind::kUnsupported;
  vga_frame_.assign(size_t{m.width} * m.height, 0);
  vga_render(vga_regs_, vga_.window(), info, vga_frame_.data());
}

void Display::load_palette(const DisplayMode& m) {
  if (m.bpp != 8) return;
  if (m.source == DisplaySource::kSvga) {
    for (int i = 0; i < 256; ++i) palette_[i] = svga_.palette_rgb(static_cast<uint8_t>(i));
    return;
  }
  VgaRegisters r = vga_.registers();
  bool dac8 = vbe_.scanout().dac8;
  for (int i = 0; i < 256; ++i) {
    const uint8_t* c = &r.dac[i * 3];
    palette_[i] = dac8 ? uint32_t{c[0]} << 16 | uint32_t{c[1]} << 8 | c[2]
                       : vga_dac_color(r, static_cast<uint8_t>(i));
  }
}

void Display::copy_rect(const DisplayMode& m, const DisplayRect& r, PixelFormat f, uint8_t* out) {
  for (uint32_t y = r.y; y < r.y + r.h; ++y) {
    if (vga_source(m.source)) {
      const uint32_t* src = vga_frame_.data() + size_t{y} * m.width + r.x;
      for (uint32_t x = 0; x < r.w; ++x, out += 4) put(src[x], f, out);
      continue;
    }
    if (m.source == DisplaySource::kBlank) {
      for (uint32_t x = 0; x < r.w; ++x, out += 4) put(0, f, out);
      continue;
    }
    // SVGA/VBE: the mode was validated against VRAM when it was read.
    const uint8_t* row = svga_.vram() + m.offset + uint64_t{y} * m.pitch;
    if (m.bpp == 32) {  // the common case, kept simple enough for the compiler to vectorize
      const uint8_t* src = row + size_t{r.x} * 4;
      uint32_t v;
      if (f == PixelFormat::kRgba) {
        for (uint32_t x = 0; x < r.w; ++x, src += 4, out += 4) {
          std::memcpy(&v, src, 4);  // 0xXXRRGGBB -> bytes R, G, B, 0xFF
          v = (v & 0x0000ff00u) | (v >> 16 & 0xffu) | (v & 0xffu) << 16 | 0xff000000u;
          std::memcpy(out, &v, 4);
        }
      } else {
        for (uint32_t x = 0; x < r.w; ++x, src += 4, out += 4) {
          std::memcpy(&v, src, 4);
          v |= 0xff000000u;
          std::memcpy(out, &v, 4);
        }
      }
      continue;
    }
    for (uint32_t x = r.x; x < r.x + r.w; ++x, out += 4) {
      uint32_t rgb;
      switch (m.bpp) {
        case 24: {
          const uint8_t* p = row + size_t{x} * 3;
          rgb = static_cast<uint32_t>(le_load(p, 3));
          break;
        }
        case 16: {  // RGB565
          uint32_t v = le16(row + x * 2);
          rgb = expand(v >> 11, 5) << 16 | expand((v >> 5) & 0x3f, 6) << 8 | expand(v & 0x1f, 5);
          break;
        }
        case 15: {  // XRGB1555
          uint32_t v = le16(row + x * 2);
          rgb = expand((v >> 10) & 0x1f, 5) << 16 | expand((v >> 5) & 0x1f, 5) << 8 |
                expand(v & 0x1f, 5);
          break;
        }
        default:  // 8: palette
          rgb = palette_[row[x]];
          break;
      }
      put(rgb, f, out);
    }
  }
}

void Display::collect_vram_rows(const DisplayMode& m, DamageRegion* damage) {
  const uint64_t frame = uint64_t{m.pitch} * m.height;
  bool open = false;
  uint32_t band_first = 0, band_last = 0;
  for (size_t word = 0; word < pages_.size(); ++word) {
    for (uint64_t bits = pages_[word]; bits; bits &= bits - 1) {
      uint64_t start = (word * 64 + __builtin_ctzll(bits)) * 4096, end = start + 4096;
      if (end <= m.offset) continue;
      uint64_t rel_start = start > m.offset ? start - m.offset : 0;
      uint64_t rel_end = std::min(end - m.offset, frame);
      if (rel_start >= rel_end) continue;
      uint32_t first = static_cast<uint32_t>(rel_start / m.pitch);
      uint32_t last = static_cast<uint32_t>((rel_end - 1) / m.pitch);
      if (open && first <= band_last + 1) {
        band_last = std::max(band_last, last);
        continue;
      }
      if (open) damage->add({0, band_first, m.width, band_last - band_first + 1});
      open = true;
      band_first = first;
      band_last = last;
    }
  }
  if (open) damage->add({0, band_first, m.width, band_last - band_first + 1});
}

DisplayMode Display::snapshot(PixelFormat format, std::vector<uint8_t>* pixels) {
  svga_.drain_fifo();
  DisplayMode m = mode();
  if (vga_source(m.source)) render_vga(m);
  load_palette(m);
  pixels->resize(size_t{m.width} * m.height * 4);
  copy_rect(m, {0, 0, m.width, m.height}, format, pixels->data());
  return m;
}

bool Display::take_dirty_rects(PixelFormat format, std::vector<DisplayRect>* rects,
                               std::vector<uint8_t>* pixels, bool full) {
  rects->clear();
  pixels->clear();
  svga_.drain_fifo();
  DisplayMode m;
  full = check_mode(&m) || full;
  // Every change source is consumed on every call, so nothing stale piles up while
  // another source is on screen.
  std::vector<DisplayRect> updates = svga_.take_damage();
  svga_.take_vram_dirty_pages(&pages_);
  std::vector<uint64_t> vga_pages;
  vga_.take_window_dirty(&vga_pages);
  uint64_t generation = vga_.generation();
  bool vga_changed = generation != vga_generation_ ||
                     std::any_of(vga_pages.begin(), vga_pages.end(), [](uint64_t w) { return w != 0; });
  vga_generation_ = generation;

  DamageRegion damage;
  if (m.source == DisplaySource::kSvga || m.source == DisplaySource::kVbe ||
      m.source == DisplaySource::kBoot) {
    // Re-clip: a rectangle may have been clipped to a mode set after `m` was read.
    DisplayRect c;
    if (m.source == DisplaySource::kSvga)
      for (const DisplayRect& r : updates)
        if (clip_rect(r.x, r.y, r.w, r.h, m.width, m.height, &c)) damage.add(c);
    collect_vram_rows(m, &damage);
  } else if (vga_source(m.source) && vga_changed) {
    full = true;
  }
  if (full) {
    rects->push_back({0, 0, m.width, m.height});
  } else {
    *rects = damage.take();
    uint64_t area = 0;
    for (const DisplayRect& r : *rects) area += uint64_t{r.w} * r.h;
    if (area >= uint64_t{m.width} * m.height) rects->assign(1, {0, 0, m.width, m.height});
  }
  if (rects->empty()) return false;
  if (vga_source(m.source)) render_vga(m);
  load_palette(m);
  size_t total = 0;
  for (const DisplayRect& r : *rects) total += size_t{r.w} * r.h * 4;
  pixels->resize(total);
  uint8_t* out = pixels->data();
  for (const DisplayRect& r : *rects) {
    copy_rect(m, r, format, out);
    out += size_t{r.w} * r.h * 4;
  }
  return true;
}

}  // namespace vireo
