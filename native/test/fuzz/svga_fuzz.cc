// libFuzzer target for the VMware SVGA II device (native/src/devices/display/svga_device.*,
// svga_fifo.*): register writes/reads through the index/value ports (modes, pitch lock,
// cursor, palette, scratch, unknown indices), FIFO memory written as the guest writes it
// (the pointer registers, raw words, and whole commands appended at NEXT_CMD with wrap:
// UPDATE, RECT_FILL/COPY, DEFINE_CURSOR/ALPHA_CURSOR with small masks, FENCE, ESCAPE, 3D,
// unknown), VRAM writes, and the host side: drain_fifo(), damage, cursor, scanout and
// display frames. Checked by ASan/UBSan and display_rig.h's frame checks.
#include <cstddef>
#include <cstdint>

#include "display_rig.h"

using namespace vireo;
using namespace vireo::svga;

namespace {

constexpr uint32_t kOpcodes[] = {kCmdUpdate, kCmdRectFill, kCmdRectCopy, kCmdDefineCursor,
                                 kCmdDefineAlphaCursor, kCmdUpdateVerbose, kCmdFence,
                                 kCmdEscape, kCmd3dFirst, 7};

// Appends `n` words at NEXT_CMD, wrapping at MAX back to MIN as the guest's ring does.
void append(vireo_fuzz::DisplayRig& r, const uint32_t* w, unsigned n) {
  uint32_t* f = r.fifo();
  if (!f) return;
  uint32_t min = f[kFifoMin], max = f[kFifoMax], next = f[kFifoNextCmd];
  if (min >= max || max > vireo_fuzz::kFifoBytes || next < min || next >= max || (next | min | max) & 3) return;
  for (unsigned i = 0; i < n; ++i) {
    f[next / 4] = w[i];
    next += 4;
    if (next >= max) next = min;
  }
  f[kFifoNextCmd] = next;
}

void command(vireo_fuzz::DisplayRig& r, vireo_fuzz::Input& in) {
  uint32_t w[64];
  unsigned n = 0;
  uint32_t op = in.u8() & 0x80 ? in.u32() : kOpcodes[in.u8() % 10];
  w[n++] = op;
  switch (op) {
    case kCmdDefineCursor:
    case kCmdDefineAlphaCursor: {
      uint32_t width = in.u8() % 6, height = in.u8() % 6;
      w[n++] = in.u8();      // id
      w[n++] = in.u8() % 8;  // hot x
      w[n++] = in.u8() % 8;  // hot y
      w[n++] = width;
      w[n++] = height;
      if (op == kCmdDefineCursor) {
        w[n++] = in.u8() % 33;  // AND mask depth
        w[n++] = in.u8() % 33;  // XOR mask depth
      }
      break;
    }
    default:
      break;
  }
  // The rest (arguments, masks, payload) from the input; a command may be left short.
  unsigned extra = in.u8() % (64 - n);
  for (unsigned i = 0; i < extra; ++i) w[n++] = in.u8() & 1 ? in.u32() : in.u8();
  append(r, w, n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::DisplayRig& r = vireo_fuzz::DisplayRig::begin();
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 11) {
      case 0: {  // register write: a known index, the palette/scratch, or anything
        uint8_t pick = in.u8();
        uint32_t index = pick < 200 ? pick % kRegTop : pick < 240 ? kPaletteBase + in.u16() % 900 : in.u32();
        r.svga_write(index, in.u8() & 1 ? in.u32() : in.u16());
        break;
      }
      case 1: r.svga_read(in.u8() & 1 ? in.u32() : in.u8() % kRegTop); break;
      case 2: {  // I/O BAR port of any width (index, value, BIOS, IRQ status, undefined)
        uint16_t port = vireo_fuzz::kSvgaIo + (in.u8() & 15);
        unsigned width = 1u << (in.u8() % 3);
        if (in.u8() & 1) r.out(port, in.u32(), width);
        else r.in(port, width);
        break;
      }
      case 3: {  // FIFO setup as vmwgfx does: MIN past the registers, MAX, NEXT = STOP
        uint32_t* f = r.fifo();
        if (!f) break;
        uint32_t min = in.u8() & 1 ? kFifoNumRegs * 4 : (in.u16() & 0xFFFC);
        uint32_t max = in.u8() & 1 ? vireo_fuzz::kFifoBytes : (in.u32() & 0x1FFFC);
        f[kFifoMin] = min;
        f[kFifoMax] = max;
        f[kFifoNextCmd] = min;
        f[kFifoStop] = min;
        r.svga_write(kRegConfigDone, 1);
        break;
      }
      case 4: command(r, in); break;
      case 5: {  // a raw FIFO word (pointers, commands in flight, FENCE, BUSY)
        uint32_t* f = r.fifo();
        uint32_t word = in.u16() % (vireo_fuzz::kFifoBytes / 4), value = in.u32();
        if (f) f[word] = value;
        break;
      }
      case 6: {  // a mode: width, height, bpp, then enable
        r.svga_write(kRegWidth, in.u16() % 400);
        r.svga_write(kRegHeight, in.u16() % 300);
        r.svga_write(kRegBitsPerPixel, in.u8() % 40);
        r.svga_write(kRegEnable, in.u8() % 4);
        break;
      }
      case 7: {  // VRAM bytes
        uint32_t off = in.u32() % (4u << 20);
        size_t n = in.u8(), got;
        const uint8_t* p = in.bytes(n, &got);
        r.slots.guest_write(vireo_fuzz::kVram + off, p, got);
        break;
      }
      case 8: r.svga_write(kRegSync, 1); break;  // drains
      case 9:
        switch (in.u8() % 5) {
          case 0: r.card.svga().drain_fifo(); break;
          case 1: r.card.svga().take_damage(); break;
          case 2: {
            SvgaCursorState c;
            r.card.svga().cursor(in.u8(), &c);
            if (c.image.bgra.size() != uint64_t{c.image.width} * c.image.height) std::abort();
            break;
          }
          case 3: r.card.svga().scanout(); break;
          default: r.card.reset(); break;
        }
        break;
      default: r.frame(in.u8()); break;
    }
  }
  return 0;
}
