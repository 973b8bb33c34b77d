// The display card as a guest sees it, for the SVGA and VGA/VBE fuzz targets: the
// DisplayAdapter (SVGA II function with VRAM, FIFO and option ROM BARs; VGA ports and the
// 0xA0000 window; Bochs VBE ports) placed as firmware would, and the host Display that
// consumes it. Modes are capped at 320x240 so a frame costs little per input; VRAM is
// the 4 MiB minimum and the FIFO 64 KiB.
// One rig serves every input (a new card per input spent most of the time faulting in
// fresh VRAM and frame buffers): begin() does a machine reset of the card and zeroes
// VRAM and the VGA window, so every input starts from the same guest-visible state. The
// host Display keeps what it last reported (mode, frame buffers) across inputs, as it
// does across a guest reset.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/display/svga_adapter.h"
#include "devices/display/svga_regs.h"
#include "fuzz_guest.h"

namespace vireo_fuzz {

constexpr uint16_t kSvgaIo = 0xC000;
constexpr uint32_t kVram = 0xE0000000, kFifo = 0xE1000000, kRom = 0xE1100000;
constexpr uint32_t kFifoBytes = 64 << 10;

struct DisplayRig {
  FuzzMemory& m = fuzz_memory();
  vireo_test::FakeVcpu vcpu{m.mem()};
  vireo::PioBus pio;
  vireo::MmioBus mmio;
  FuzzSlots slots;
  vireo::PciHost host;
  vireo::DisplayAdapter card;
  std::vector<vireo::DisplayRect> rects;
  std::vector<uint8_t> pixels;
  unsigned frames = 0;

  static DisplayRig& begin() {
    static DisplayRig rig;
    rig.card.reset();
    std::memset(rig.card.svga().vram(), 0, rig.card.svga().vram_size());
    if (uint8_t* w = rig.slots.at(vireo::VgaDevice::kWindowBase))
      std::memset(w, 0, vireo::VgaDevice::kWindowSize);
    rig.frames = 0;
    return rig;
  }

 private:
  DisplayRig() {
    vireo::SvgaConfig c;
    c.vram_size = 4u << 20;
    c.fifo_size = kFifoBytes;
    c.max_width = 320;
    c.max_height = 240;
    c.boot_width = 320;
    c.boot_height = 200;
    c.option_rom.assign(4096, 0x55);
    if (!card.init(c, vireo::PciResources{&pio, &mmio, &slots}, host, 2).ok() ||
        !card.svga().assign_bar(0, kSvgaIo).ok() || !card.svga().assign_bar(1, kVram).ok() ||
        !card.svga().assign_bar(2, kFifo).ok() ||
        !card.svga().assign_bar(vireo::PciDevice::kRomBarIndex, kRom).ok())
      std::abort();
    card.svga().set_command(vireo::PciDevice::kCmdIo | vireo::PciDevice::kCmdMemory);
  }

 public:
  void out(uint16_t port, uint32_t value, unsigned width) {
    uint8_t v[4];
    vireo::put_le32(v, value);
    pio.write(port, v, width, vcpu);
  }
  uint32_t in(uint16_t port, unsigned width) {
    uint8_t v[4] = {};
    pio.read(port, v, width, vcpu);
    return vireo::le32(v);
  }
  void svga_write(uint32_t index, uint32_t value) {
    out(kSvgaIo + vireo::svga::kIndexPort, index, 4);
    out(kSvgaIo + vireo::svga::kValuePort, value, 4);
  }
  uint32_t svga_read(uint32_t index) {
    out(kSvgaIo + vireo::svga::kIndexPort, index, 4);
    return in(kSvgaIo + vireo::svga::kValuePort, 4);
  }
  // The FIFO as guest memory (null while BAR2 does not decode).
  uint32_t* fifo() { return reinterpret_cast<uint32_t*>(slots.at(kFifo)); }
  // What the display thread does each tick, in one of its three forms; at most 2 per
  // input (a text frame is 720x400 pixels and costs ~1 ms here).
  void frame(unsigned how) {
    if (++frames > 2) return;
    vireo::Display& d = card.display();
    switch (how % 3) {
      case 0: d.take_dirty_rects(vireo::PixelFormat::kBgrx, &rects, &pixels); break;
      case 1: d.take_dirty_rects(vireo::PixelFormat::kRgba, &rects, &pixels, true); break;
      default: d.snapshot(vireo::PixelFormat::kBgrx, &pixels); break;
    }
    if (how % 3 == 2) return;
    // Each rect lies inside the mode and its pixels follow in order: the buffer holds
    // exactly their sum.
    vireo::DisplayMode mode = d.mode();
    uint64_t want = 0;
    for (const vireo::DisplayRect& r : rects) {
      if (uint64_t{r.x} + r.w > mode.width || uint64_t{r.y} + r.h > mode.height) std::abort();
      want += uint64_t{r.w} * r.h * 4;
    }
    if (want != pixels.size()) std::abort();
  }
};

}  // namespace vireo_fuzz
