// Display: the host's view of the guest screen, combining the three sources a PC shows:
// SVGA II (when ENABLE == 1), the Bochs VBE framebuffer (when DISPI is enabled; it lives
// in the same VRAM), else the legacy VGA (text modes, mode 13h). It answers "what mode
// is it", "give me a full frame", and "what changed since last time, with the pixels".
// Change detection unions SVGA FIFO UPDATE/RECT_* damage, the KVM dirty log of the VRAM
// slot (plus host writes), and for VGA the dirty log of the 0xA0000 window and register
// changes (any change redraws the whole, small, text frame).
// Single consumer: call every method from one host thread (the display/frame thread).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "devices/display/svga_damage.h"
#include "devices/display/svga_device.h"
#include "devices/display/vbe.h"
#include "devices/display/vga.h"
#include "devices/display/vga_render.h"

namespace vireo {

// kBoot: a firmware-less boot framebuffer (Linux screen_info / simplefb) at VRAM offset 0,
// shown while neither SVGA nor VBE is enabled (see set_boot_framebuffer).
enum class DisplaySource { kBlank, kText, kVga256, kVbe, kSvga, kBoot };
enum class PixelFormat { kBgrx, kRgba };  // both 4 bytes per pixel; RGBA has alpha 255

struct DisplayMode {
  DisplaySource source = DisplaySource::kBlank;
  uint32_t width = 0, height = 0;
  uint32_t bpp = 32;     // guest framebuffer depth (SVGA/VBE); 32 for rendered sources
  uint32_t pitch = 0;    // guest framebuffer bytes per line (SVGA/VBE), else width * 4
  uint64_t offset = 0;   // first visible VRAM byte (VBE panning)
  bool operator==(const DisplayMode& o) const {
    return source == o.source && width == o.width && height == o.height && bpp == o.bpp &&
           pitch == o.pitch && offset == o.offset;
  }
  bool operator!=(const DisplayMode& o) const { return !(*this == o); }
};

class Display {
 public:
  static constexpr uint32_t kBlankWidth = 640, kBlankHeight = 480;

  Display(SvgaDevice& svga, VgaDevice& vga, BochsVbe& vbe);

  // Direct boot with a boot framebuffer: the VMM told the guest (screen_info, VLFB) that
  // VRAM offset 0 (BAR1) holds a width x height, 32-bpp XRGB8888 frame with pitch
  // width * 4. While SVGA and VBE are off, that frame is shown instead of the VGA text
  // screen. 0 x 0 turns it off; a size that does not fit VRAM is refused (false).
  bool set_boot_framebuffer(uint32_t width, uint32_t height);

  DisplayMode mode();
  // Called from take_dirty_rects()/snapshot() on this thread when the mode differs from
  // the last one reported (the first call always reports).
  void set_mode_listener(std::function<void(const DisplayMode&)> listener);

  // The whole visible frame, width * height * 4 bytes, rows packed.
  DisplayMode snapshot(PixelFormat format, std::vector<uint8_t>* pixels);
  // Rectangles changed since the previous call and their pixels, appended rect by rect
  // (each w * h * 4 bytes, rows packed). A mode change, or `full` (a consumer that must
  // resynchronize), reports the whole frame as one rectangle. Returns false (and empty
  // outputs) when nothing changed.
  bool take_dirty_rects(PixelFormat format, std::vector<DisplayRect>* rects,
                        std::vector<uint8_t>* pixels, bool full = false);

 private:
  bool check_mode(DisplayMode* m);  // updates last_mode_, notifies; true if it changed
  void collect_vram_rows(const DisplayMode& m, DamageRegion* damage);
  void copy_rect(const DisplayMode& m, const DisplayRect& r, PixelFormat f, uint8_t* out);
  void render_vga(const DisplayMode& m);
  void load_palette(const DisplayMode& m);  // 8-bpp SVGA/VBE lookup table

  SvgaDevice& svga_;
  VgaDevice& vga_;
  BochsVbe& vbe_;
  std::function<void(const DisplayMode&)> listener_;
  DisplayMode last_mode_;
  bool reported_ = false;
  uint32_t boot_width_ = 0, boot_height_ = 0;
  uint64_t vga_generation_ = 0;
  VgaRegisters vga_regs_;          // snapshot used by the current render
  std::vector<uint32_t> vga_frame_;  // rendered VGA frame (text / mode 13h)
  std::vector<uint64_t> pages_;
  uint32_t palette_[256] = {};
};

}  // namespace vireo
