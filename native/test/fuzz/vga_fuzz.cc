// libFuzzer target for the legacy VGA register file and the Bochs VBE (DISPI) interface
// (native/src/devices/display/vga*.cc, vbe.*) and the host Display that renders them: port
// accesses of any width on 0x3B4-0x3DF and 0x1CE/0x1CF (8- and 16-bit, as the VGA BIOS
// and bochs-drm do), VBE mode programming shortcuts (XRES/YRES/BPP, virtual width,
// offsets, enable flags), writes into the 0xA0000 window (text, font planes) and VRAM,
// and display frames in text, mode 13h, VBE and boot-framebuffer modes. Checked by
// ASan/UBSan and display_rig.h's frame checks.
#include <cstddef>
#include <cstdint>

#include "display_rig.h"

using namespace vireo;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::DisplayRig& r = vireo_fuzz::DisplayRig::begin();
  vireo_fuzz::Input in(data, size);
  auto vbe = [&](uint16_t index, uint16_t value) {
    r.out(BochsVbe::kIndexPort, index, 2);
    r.out(BochsVbe::kIndexPort + 1, value, 2);
  };
  while (in.more()) {
    switch (in.u8() % 9) {
      case 0: {  // VGA port write, 1 or 2 bytes (index + data in one outw)
        uint16_t port = 0x3B4 + in.u8() % (0x3E0 - 0x3B4);
        unsigned width = in.u8() & 1 ? 2 : 1;
        r.out(port, in.u16(), width);
        break;
      }
      case 1: {
        uint16_t port = 0x3B4 + in.u8() % (0x3E0 - 0x3B4);
        r.in(port, in.u8() & 1 ? 2 : 1);
        break;
      }
      case 2: {  // indexed register: sequencer, graphics, CRTC, attribute (flip-flop)
        static constexpr uint16_t kIndex[] = {0x3C4, 0x3CE, 0x3D4, 0x3B4};
        uint16_t port = kIndex[in.u8() % 4];
        r.out(port, in.u8(), 1);
        r.out(port + 1, in.u8(), 1);
        break;
      }
      case 3: {  // attribute controller / DAC sequences
        r.in(0x3DA, 1);  // resets the flip-flop
        r.out(0x3C0, in.u8(), 1);
        r.out(0x3C0, in.u8(), 1);
        r.out(0x3C8, in.u8(), 1);
        for (int i = 0; i < 3; ++i) r.out(0x3C9, in.u8(), 1);
        break;
      }
      case 4: {  // VBE register, or the port at any width
        if (in.u8() & 1) {
          uint16_t index = in.u8() % 12;
          vbe(index, in.u16());
        } else {
          uint16_t port = BochsVbe::kIndexPort + (in.u8() & 1);
          unsigned width = 1u << (in.u8() % 3);
          if (in.u8() & 1) r.out(port, in.u32(), width);
          else r.in(port, width);
        }
        break;
      }
      case 5: {  // a VBE mode as bochs-drm sets it
        vbe(BochsVbe::kEnable, 0);
        vbe(BochsVbe::kXres, in.u16() % 400);
        vbe(BochsVbe::kYres, in.u16() % 300);
        static constexpr uint16_t kBpp[] = {8, 15, 16, 24, 32, 4, 0};
        vbe(BochsVbe::kBpp, kBpp[in.u8() % 7]);
        vbe(BochsVbe::kVirtWidth, in.u16());
        vbe(BochsVbe::kXOffset, in.u16() % 512);
        vbe(BochsVbe::kYOffset, in.u16() % 512);
        vbe(BochsVbe::kEnable, in.u8());
        break;
      }
      case 6: {  // the 0xA0000 window (font at plane 2, text at 0xB8000) or VRAM
        bool window = in.u8() & 1;
        uint64_t at = window ? VgaDevice::kWindowBase + in.u32() % VgaDevice::kWindowSize
                             : vireo_fuzz::kVram + in.u32() % (4u << 20);
        size_t n = in.u8(), got;
        const uint8_t* p = in.bytes(n, &got);
        r.slots.guest_write(at, p, got);
        break;
      }
      case 7:
        if (in.u8() & 1) {
          uint32_t w = in.u16() % 400, h = in.u16() % 300;
          r.card.display().set_boot_framebuffer(w, h);
        } else {
          r.card.display().mode();
        }
        break;
      default: r.frame(in.u8()); break;
    }
  }
  return 0;
}
