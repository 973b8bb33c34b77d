#include "devices/display/svga_adapter.h"
#include "devices/display/svga_display.h"
#include "devices/display/svga_regs.h"
#include "devices/display/vbe.h"
#include "devices/display/vga.h"
#include "devices/display/vga_font.h"
#include "devices/display/vga_render.h"

#include <map>

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {

struct FakeSlots : SlotMapper {
  std::map<int, uint64_t> gpa;
  std::map<int, std::vector<uint64_t>> dirty;  // what the next take_dirty returns
  int next = 1;
  Status map(uint8_t*, uint64_t, uint64_t g, bool, bool, int* slot) override {
    *slot = next++;
    gpa[*slot] = g;
    return Status::Ok();
  }
  Status move(int slot, uint64_t g) override {
    gpa[slot] = g;
    return Status::Ok();
  }
  void unmap(int) override {}
  Status take_dirty(int slot, std::vector<uint64_t>* bitmap) override {
    *bitmap = dirty[slot];
    dirty[slot].clear();
    return Status::Ok();
  }
  int slot_at(uint64_t g) {
    for (auto& [id, a] : gpa)
      if (a == g) return id;
    return -1;
  }
};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeSlots slots;
  VgaDevice vga;
  SvgaDevice svga{PciResources{&pio, &mmio, &slots}};
  std::unique_ptr<BochsVbe> vbe;
  std::unique_ptr<Display> display;

  Rig() {
    CHECK(vga.attach(pio, slots).ok());
    SvgaConfig c;
    c.vram_size = 4u << 20;
    c.fifo_size = 64u << 10;
    c.max_width = 1024;
    c.max_height = 768;
    c.boot_width = 640;
    c.boot_height = 480;
    CHECK(svga.init(c).ok());
    CHECK(svga.assign_bar(1, 0xe0000000).ok());
    svga.set_command(PciDevice::kCmdMemory);
    vbe = std::make_unique<BochsVbe>(svga.vram(), svga.vram_size(), 1024, 768);
    CHECK(pio.add(BochsVbe::kIndexPort, BochsVbe::kPortCount, vbe.get(), "vbe").ok());
    display = std::make_unique<Display>(svga, vga, *vbe);
  }
  void out(uint16_t port, uint32_t v, unsigned size) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    pio.write(port, b, size, vcpu);
  }
  uint32_t in(uint16_t port, unsigned size) {
    uint8_t b[4] = {};
    pio.read(port, b, size, vcpu);
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24;
  }
  void put_text(unsigned col, unsigned row, const char* s, uint8_t attr) {
    uint8_t* t = vga.window_for_test() + VgaDevice::kTextOffset + (row * 80 + col) * 2;
    for (; *s; ++s, t += 2) {
      t[0] = static_cast<uint8_t>(*s);
      t[1] = attr;
    }
  }
  static uint32_t px(const std::vector<uint8_t>& p, uint32_t width, uint32_t x, uint32_t y) {
    const uint8_t* q = &p[(size_t{y} * width + x) * 4];
    return uint32_t{q[2]} << 16 | uint32_t{q[1]} << 8 | q[0];  // BGRX -> 0xRRGGBB
  }
};

}  // namespace

TEST(vga_ports_split_words_and_flip_flop) {
  Rig rig;
  rig.out(0x3c4, 0x0402, 2);  // SR02 := 4 through one outw
  rig.out(0x3c4, 0x02, 1);
  CHECK_EQ(rig.in(0x3c5, 1), 0x04u);
  rig.out(0x3ce, 0x0506, 2);
  CHECK_EQ(rig.vga.registers().gc[6], 0x05);
  rig.out(0x3d4, 0x4f0e, 2);
  CHECK_EQ(rig.vga.registers().crtc[0x0e], 0x4f);
  // Attribute controller: 0x3DA read resets the flip-flop to "index".
  rig.in(0x3da, 1);
  rig.out(0x3c0, 0x10, 1);
  rig.out(0x3c0, 0x01, 1);
  CHECK_EQ(rig.vga.registers().attr[0x10], 0x01);
  rig.in(0x3da, 1);
  rig.out(0x3c0, 0x30, 1);  // index with PAS bit
  CHECK_EQ(rig.in(0x3c0, 1), 0x30u);
  CHECK_EQ(rig.in(0x3c1, 1), 0x01u);
  // Input status 1 toggles retrace bits on every read.
  uint32_t a = rig.in(0x3da, 1), b = rig.in(0x3da, 1);
  CHECK_EQ(a ^ b, 0x09u);
  // DAC: write index, three components, auto-increment; read back through 0x3C7.
  rig.out(0x3c8, 7, 1);
  for (uint8_t v : {1, 2, 3, 4, 5, 6}) rig.out(0x3c9, v, 1);
  rig.out(0x3c7, 8, 1);
  CHECK_EQ(rig.in(0x3c9, 1), 4u);
  CHECK_EQ(rig.in(0x3c9, 1), 5u);
  CHECK_EQ(rig.in(0x3c7, 1), 3u);
  CHECK_EQ(rig.in(0x3cc, 1), 0x67u);
  // Mono CRTC ports answer only when misc bit 0 selects them.
  CHECK_EQ(rig.in(0x3b5, 1), 0xffu);
  rig.out(0x3c2, 0x66, 1);
  rig.out(0x3b4, 0x0e, 1);
  CHECK_EQ(rig.in(0x3b5, 1), 0x4fu);
  CHECK_EQ(rig.slots.slot_at(0xa0000), 1);
}

TEST(vga_text_renders_string_with_builtin_font) {
  Rig rig;
  rig.put_text(0, 0, "Hi", 0x1f);   // white on blue
  rig.put_text(10, 24, "!", 0x4e);  // yellow on red, last row
  std::vector<uint8_t> p;
  DisplayMode m = rig.display->snapshot(PixelFormat::kBgrx, &p);
  CHECK(m.source == DisplaySource::kText);
  CHECK_EQ(m.width, 640u);
  CHECK_EQ(m.height, 400u);
  CHECK_EQ(p.size(), 640u * 400 * 4);
  // 'H' top row "#...#": columns 1 and 5 lit.
  CHECK_EQ(Rig::px(p, 640, 0, 0), 0x0000aau);
  CHECK_EQ(Rig::px(p, 640, 1, 0), 0xffffffu);
  CHECK_EQ(Rig::px(p, 640, 2, 0), 0x0000aau);
  CHECK_EQ(Rig::px(p, 640, 5, 1), 0xffffffu);
  // 'H' middle row "#####" (glyph row 3 -> pixel rows 6, 7).
  for (uint32_t x = 1; x <= 5; ++x) CHECK_EQ(Rig::px(p, 640, x, 7), 0xffffffu);
  // Hardware cursor at cell 0, scan lines 13-14 (CRTC 0x0A/0x0B of mode 3).
  CHECK_EQ(Rig::px(p, 640, 0, 13), 0xffffffu);
  CHECK_EQ(Rig::px(p, 640, 0, 15), 0x0000aau);
  // 'i' in cell 1: dot at glyph row 0, column 2 -> x = 8 + 3.
  CHECK_EQ(Rig::px(p, 640, 11, 0), 0xffffffu);
  // '!' in the last row: column 2 lit, yellow on red.
  CHECK_EQ(Rig::px(p, 640, 83, 24 * 16), 0xffff55u);
  CHECK_EQ(Rig::px(p, 640, 80, 24 * 16), 0xaa0000u);
  // Empty cells are black; RGBA output swaps R and B and sets alpha.
  CHECK_EQ(Rig::px(p, 640, 300, 200), 0u);
  rig.display->snapshot(PixelFormat::kRgba, &p);
  CHECK_EQ(p[0], 0x00);
  CHECK_EQ(p[2], 0xaa);
  CHECK_EQ(p[3], 0xff);
}

TEST(vga_text_uses_font_from_plane2_when_loaded) {
  Rig rig;
  uint8_t* w = rig.vga.window_for_test();
  w['A' * 32 + 0] = 0x81;  // a guest font: 'A' row 0 = pixels 0 and 7
  rig.put_text(0, 0, "A", 0x07);
  std::vector<uint8_t> p;
  rig.display->snapshot(PixelFormat::kBgrx, &p);
  CHECK_EQ(Rig::px(p, 640, 0, 0), 0xaaaaaau);
  CHECK_EQ(Rig::px(p, 640, 7, 0), 0xaaaaaau);
  CHECK_EQ(Rig::px(p, 640, 1, 0), 0u);
  CHECK_EQ(Rig::px(p, 640, 1, 1), 0u);  // row 1 of the guest glyph is empty
  const uint8_t* g = builtin_glyph_8x16('A');
  CHECK_EQ(g[0], 0x38);  // ".###." shifted one column in
}

TEST(vga_mode13h_renders_through_dac) {
  Rig rig;
  // Mode 13h essentials: graphics, chain-4, 320x200 with doubled scan lines.
  rig.out(0x3c4, 0x0e04, 2);
  rig.out(0x3d4, 0x4109, 2);
  rig.in(0x3da, 1);
  rig.out(0x3c0, 0x10, 1);
  rig.out(0x3c0, 0x41, 1);
  rig.out(0x3c8, 9, 1);
  for (uint8_t v : {0x3f, 0x00, 0x3f}) rig.out(0x3c9, v, 1);
  rig.vga.window_for_test()[5 * 320 + 7] = 9;
  std::vector<uint8_t> p;
  DisplayMode m = rig.display->snapshot(PixelFormat::kBgrx, &p);
  CHECK(m.source == DisplaySource::kVga256);
  CHECK_EQ(m.width, 320u);
  CHECK_EQ(m.height, 200u);
  CHECK_EQ(Rig::px(p, 320, 7, 5), 0xff00ffu);
}

TEST(vbe_mode_set_and_lfb) {
  Rig rig;
  auto w = [&](uint16_t i, uint16_t v) {
    rig.out(0x1ce, i, 2);
    rig.out(0x1cf, v, 2);
  };
  auto r = [&](uint16_t i) {
    rig.out(0x1ce, i, 2);
    return rig.in(0x1cf, 2);
  };
  w(BochsVbe::kId, 0xb0c0);
  CHECK_EQ(r(BochsVbe::kId), 0xb0c0u);
  w(BochsVbe::kId, 0x1234);
  CHECK_EQ(r(BochsVbe::kId), 0xb0c0u);
  w(BochsVbe::kEnable, BochsVbe::kGetCaps);
  CHECK_EQ(r(BochsVbe::kXres), 1024u);
  CHECK_EQ(r(BochsVbe::kBpp), 32u);
  CHECK_EQ(r(BochsVbe::kVideoMemory64k), 64u);
  w(BochsVbe::kEnable, 0);
  w(BochsVbe::kXres, 800);
  w(BochsVbe::kYres, 600);
  w(BochsVbe::kBpp, 32);
  rig.svga.vram()[0] = 0x77;
  w(BochsVbe::kEnable, BochsVbe::kEnabled | BochsVbe::kLfb);
  CHECK_EQ(rig.svga.vram()[0], 0);  // cleared on enable
  CHECK_EQ(r(BochsVbe::kVirtWidth), 800u);
  w(BochsVbe::kXres, 640);  // ignored while enabled
  CHECK_EQ(r(BochsVbe::kXres), 800u);
  uint32_t red = 0x00ff0000;
  CHECK(rig.svga.host_write_vram((10 * 800 + 3) * 4, &red, 4));
  std::vector<uint8_t> p;
  DisplayMode m = rig.display->snapshot(PixelFormat::kBgrx, &p);
  CHECK(m.source == DisplaySource::kVbe);
  CHECK_EQ(m.width, 800u);
  CHECK_EQ(Rig::px(p, 800, 3, 10), 0xff0000u);
  // Panning: Y_OFFSET 10 shows row 10 at the top; a huge offset stops decoding.
  w(BochsVbe::kYOffset, 10);
  rig.display->snapshot(PixelFormat::kBgrx, &p);
  CHECK_EQ(Rig::px(p, 800, 3, 0), 0xff0000u);
  w(BochsVbe::kYOffset, 0xffff);
  CHECK(rig.display->mode().source == DisplaySource::kText);
  // 16 bpp mode: RGB565 pure green.
  w(BochsVbe::kEnable, 0);
  w(BochsVbe::kBpp, 16);
  w(BochsVbe::kEnable, BochsVbe::kEnabled | BochsVbe::kNoClear);
  uint16_t green = 0x07e0;
  rig.svga.host_write_vram(0, &green, 2);
  rig.display->snapshot(PixelFormat::kBgrx, &p);
  CHECK_EQ(Rig::px(p, 800, 0, 0), 0x00ff00u);
  // A mode that does not fit VRAM refuses to enable.
  w(BochsVbe::kEnable, 0);
  w(BochsVbe::kXres, 1024);
  w(BochsVbe::kYres, 768);
  w(BochsVbe::kBpp, 32);
  w(BochsVbe::kEnable, BochsVbe::kEnabled);
  CHECK(rig.vbe->scanout().enabled);  // 3 MiB fits 4 MiB
  w(BochsVbe::kEnable, 0);
  BochsVbe small(rig.svga.vram(), 1u << 20, 1024, 768);
  small.write_register(BochsVbe::kEnable, BochsVbe::kEnabled);
  CHECK(!small.scanout().enabled);
}

TEST(display_svga_dirty_rects_and_mode_changes) {
  Rig rig;
  std::vector<DisplayMode> modes;
  rig.display->set_mode_listener([&](const DisplayMode& m) { modes.push_back(m); });
  std::vector<DisplayRect> rects;
  std::vector<uint8_t> p;
  CHECK(rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));  // first: full text
  CHECK_EQ(modes.size(), 1u);
  CHECK(!rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));
  rig.put_text(0, 0, "x", 0x07);
  rig.slots.dirty[rig.slots.slot_at(0xa0000)] = {uint64_t{1} << 24};  // page 0xB8000
  CHECK(rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));
  CHECK_EQ(rects.size(), 1u);
  CHECK_EQ(rects[0].w, 640u);
  // Switch to SVGA 100x50: the listener fires and the whole frame is reported.
  rig.svga.write_register(svga::kRegWidth, 100);
  rig.svga.write_register(svga::kRegHeight, 50);
  rig.svga.write_register(svga::kRegEnable, 1);
  CHECK(rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));
  CHECK_EQ(modes.size(), 2u);
  CHECK(modes[1].source == DisplaySource::kSvga);
  CHECK_EQ(modes[1].pitch, 400u);
  CHECK_EQ(rects.size(), 1u);
  CHECK_EQ(rects[0].h, 50u);
  CHECK_EQ(p.size(), 100u * 50 * 4);
  // Guest writes seen through the dirty log: page 1 covers rows 10..20 (4096 / 400).
  uint32_t* fb = reinterpret_cast<uint32_t*>(rig.svga.vram());
  fb[12 * 100 + 5] = 0x0000ff;
  int vram_slot = rig.slots.slot_at(0xe0000000);
  rig.slots.dirty[vram_slot] = {0x2};
  CHECK(rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));
  CHECK_EQ(rects.size(), 1u);
  CHECK_EQ(rects[0].y, 10u);
  CHECK_EQ(rects[0].h, 11u);
  CHECK_EQ(rects[0].w, 100u);
  CHECK_EQ(Rig::px(p, 100, 5, 2), 0x0000ffu);
  // Pages outside the frame are ignored.
  rig.slots.dirty[vram_slot] = {0, 0, 1};
  CHECK(!rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));
  CHECK_EQ(modes.size(), 2u);
  // A forced full update (consumer resync) returns the whole frame without a mode event.
  CHECK(rig.display->take_dirty_rects(PixelFormat::kRgba, &rects, &p, true));
  CHECK_EQ(rects.size(), 1u);
  CHECK_EQ(p.size(), 100u * 50 * 4);
  CHECK_EQ(p[(12 * 100 + 5) * 4 + 2], 0xff);  // RGBA: blue byte of the pixel written above
  CHECK_EQ(modes.size(), 2u);
}

TEST(vga_and_vbe_reset) {
  Rig rig;
  rig.out(0x3d4, 0x2001, 2);  // 33 columns
  rig.vbe->write_register(BochsVbe::kEnable, BochsVbe::kEnabled);
  CHECK(rig.display->mode().source == DisplaySource::kVbe);
  rig.vbe->reset();
  rig.vga.reset();
  DisplayMode m = rig.display->mode();
  CHECK(m.source == DisplaySource::kText);
  CHECK_EQ(m.width, 640u);
  CHECK_EQ(rig.vbe->read_register(BochsVbe::kId), 0xb0c5u);
}

TEST(display_adapter_wires_everything) {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu(mem);
  PioBus pio;
  MmioBus mmio;
  FakeSlots slots;
  PciHost host;
  DisplayAdapter card;
  SvgaConfig c;
  c.vram_size = 4u << 20;
  c.max_width = 1024;
  c.max_height = 768;
  CHECK(card.init(c, PciResources{&pio, &mmio, &slots}, host, 2).ok());
  CHECK(host.assign_resources(0xc000, 0xe0000000, 0xfe000000).ok());
  CHECK_EQ(host.config_read(0, 2, 0, 0, 4), 0x040515adu);
  CHECK_EQ(slots.slot_at(0xa0000) >= 0, true);
  CHECK(slots.slot_at(0xe0000000) >= 0);  // VRAM (largest BAR) first
  uint16_t v = 0xb0c0;
  uint16_t idx = 0;
  pio.write(0x1ce, reinterpret_cast<uint8_t*>(&idx), 2, vcpu);
  pio.write(0x1cf, reinterpret_cast<uint8_t*>(&v), 2, vcpu);
  CHECK_EQ(card.vbe().read_register(BochsVbe::kId), 0xb0c0u);
  CHECK_EQ(card.vbe().read_register(BochsVbe::kVideoMemory64k), 64u);
  uint8_t misc = 0;
  CHECK(pio.read(0x3cc, &misc, 1, vcpu));
  CHECK_EQ(misc, 0x67);
  CHECK(card.display().mode().source == DisplaySource::kText);
  card.svga().write_register(svga::kRegEnable, 1);
  CHECK(card.display().mode().source == DisplaySource::kSvga);
  card.reset();
  CHECK(card.display().mode().source == DisplaySource::kText);
  CHECK_EQ(card.vbe().read_register(BochsVbe::kId), 0xb0c5u);
}

TEST(display_boot_framebuffer_for_direct_boot) {
  Rig rig;
  CHECK(!rig.display->set_boot_framebuffer(4096, 4096));  // 64 MiB > 4 MiB VRAM
  CHECK(!rig.display->set_boot_framebuffer(100, 0));
  CHECK(rig.display->set_boot_framebuffer(100, 50));
  DisplayMode m = rig.display->mode();
  CHECK(m.source == DisplaySource::kBoot);
  CHECK_EQ(m.pitch, 400u);
  std::vector<DisplayRect> rects;
  std::vector<uint8_t> p;
  CHECK(rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));  // first: full
  reinterpret_cast<uint32_t*>(rig.svga.vram())[49 * 100 + 99] = 0x123456;
  rig.slots.dirty[rig.slots.slot_at(0xe0000000)] = {0x10};  // page 4: rows 40..49
  CHECK(rig.display->take_dirty_rects(PixelFormat::kBgrx, &rects, &p));
  CHECK_EQ(rects.size(), 1u);
  CHECK_EQ(rects[0].y, 40u);
  CHECK_EQ(rects[0].h, 10u);
  CHECK_EQ(Rig::px(p, 100, 99, 9), 0x123456u);
  rig.svga.write_register(svga::kRegEnable, 1);  // the SVGA driver takes over
  CHECK(rig.display->mode().source == DisplaySource::kSvga);
  rig.svga.write_register(svga::kRegEnable, 0);
  CHECK(rig.display->set_boot_framebuffer(0, 0));
  CHECK(rig.display->mode().source == DisplaySource::kText);
}
