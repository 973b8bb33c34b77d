#include "devices/display/svga_device.h"
#include "devices/display/svga_regs.h"
#include "devices/pci/pci_host.h"

#include <map>

#include <cstring>

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;
using namespace vireo::svga;

namespace {

struct FakeSlots : SlotMapper {
  struct Slot {
    uint8_t* host;
    uint64_t size, gpa;
    bool read_only;
  };
  std::map<int, Slot> slots;
  int next = 1;
  Status map(uint8_t* host, uint64_t size, uint64_t gpa, bool ro, bool, int* slot) override {
    *slot = next++;
    slots[*slot] = {host, size, gpa, ro};
    return Status::Ok();
  }
  Status move(int slot, uint64_t gpa) override {
    slots.at(slot).gpa = gpa;
    return Status::Ok();
  }
  void unmap(int slot) override { slots.erase(slot); }
  Status take_dirty(int, std::vector<uint64_t>* bitmap) override {
    bitmap->assign(2, 0);
    (*bitmap)[0] = 0x2;  // page 1
    return Status::Ok();
  }
  uint8_t* at(uint64_t gpa) {
    for (auto& [id, s] : slots)
      if (s.gpa && gpa >= s.gpa && gpa < s.gpa + s.size) return s.host + (gpa - s.gpa);
    return nullptr;
  }
};

constexpr uint16_t kIo = 0xc000;
constexpr uint32_t kVram = 0xe0000000, kFifo = 0xe1000000, kRom = 0xe1100000;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  PioBus pio;
  MmioBus mmio;
  FakeSlots slots;
  PciHost host;
  SvgaDevice dev{PciResources{&pio, &mmio, &slots}};
  uint32_t* fifo = nullptr;

  explicit Rig(std::vector<uint8_t> rom = {}) {
    SvgaConfig c;
    c.vram_size = 4u << 20;
    c.fifo_size = 64u << 10;
    c.max_width = 1024;
    c.max_height = 768;
    c.boot_width = 640;
    c.boot_height = 480;
    c.option_rom = std::move(rom);
    CHECK(dev.init(c).ok());
    CHECK(host.add_device(2, &dev).ok());
    CHECK(dev.assign_bar(0, kIo).ok());
    CHECK(dev.assign_bar(1, kVram).ok());
    CHECK(dev.assign_bar(2, kFifo).ok());
    if (!c.option_rom.empty()) CHECK(dev.assign_bar(PciDevice::kRomBarIndex, kRom).ok());
    dev.set_command(PciDevice::kCmdIo | PciDevice::kCmdMemory);
    fifo = reinterpret_cast<uint32_t*>(slots.at(kFifo));
  }
  void write(uint32_t index, uint32_t value) {
    pio.write(kIo + kIndexPort, reinterpret_cast<uint8_t*>(&index), 4, vcpu);
    pio.write(kIo + kValuePort, reinterpret_cast<uint8_t*>(&value), 4, vcpu);
  }
  uint32_t read(uint32_t index) {
    uint32_t v = 0;
    pio.write(kIo + kIndexPort, reinterpret_cast<uint8_t*>(&index), 4, vcpu);
    pio.read(kIo + kValuePort, reinterpret_cast<uint8_t*>(&v), 4, vcpu);
    return v;
  }
  // What vmwgfx's vmw_fifo_create does: MIN = 4 * MEM_REGS rounded to 4 KiB.
  void init_fifo() {
    fifo[kFifoMin] = 4096;
    fifo[kFifoMax] = 64u << 10;
    fifo[kFifoNextCmd] = 4096;
    fifo[kFifoStop] = 4096;
    write(kRegConfigDone, 1);
  }
  // Guest side of the ring: write words at NEXT_CMD with wrap, then publish.
  void push(std::initializer_list<uint32_t> words, bool publish = true) {
    uint32_t next = fifo[kFifoNextCmd];
    for (uint32_t w : words) {
      fifo[next / 4] = w;
      next += 4;
      if (next == fifo[kFifoMax]) next = fifo[kFifoMin];
    }
    if (publish) fifo[kFifoNextCmd] = next;
  }
  void mode(uint32_t w, uint32_t h) {
    write(kRegWidth, w);
    write(kRegHeight, h);
    write(kRegEnable, 1);
  }
  uint32_t pixel(uint32_t x, uint32_t y) {
    SvgaScanout s = dev.scanout();
    return reinterpret_cast<uint32_t*>(dev.vram() + uint64_t{y} * s.pitch)[x];
  }
};

}  // namespace

TEST(svga_pci_identity) {
  Rig rig;
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0, 4), 0x040515adu);
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0x08, 4), 0x03000000u);
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0x2c, 4), 0x040515adu);
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0x10, 4), 0xc001u);
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0x14, 4), kVram | 8);
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0x18, 4), kFifo | 8);
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0x3d, 1), 0u);  // no interrupt pin
  rig.host.config_write(0, 2, 0, 0x14, 4, 0xffffffff);
  CHECK_EQ(rig.host.config_read(0, 2, 0, 0x14, 4), 0xffc00008u);  // 4 MiB
  rig.host.config_write(0, 2, 0, 0x14, 4, kVram);
}

TEST(svga_register_negotiation) {
  Rig rig;
  rig.write(kRegId, kId2);
  CHECK_EQ(rig.read(kRegId), kId2);
  rig.write(kRegId, 0x90000007);  // unsupported: keeps the last agreed id
  CHECK_EQ(rig.read(kRegId), kId2);
  uint32_t caps = rig.read(kRegCapabilities);
  CHECK(caps & kCapPitchlock);
  CHECK(caps & kCapExtendedFifo);
  CHECK_EQ(rig.read(kRegNumDisplays), 1u);
  CHECK_EQ(rig.read(kRegDepth), 24u);
  CHECK_EQ(rig.read(kRegBitsPerPixel), 32u);
  CHECK_EQ(rig.read(kRegFbStart), kVram);
  CHECK_EQ(rig.read(kRegMemStart), kFifo);
  CHECK_EQ(rig.read(kRegVramSize), 4u << 20);
  CHECK_EQ(rig.read(kRegMemSize), 64u << 10);
  CHECK_EQ(rig.read(kRegMemRegs), 291u);
  CHECK_EQ(rig.read(kRegMaxWidth), 1024u);
  CHECK_EQ(rig.read(kRegWidth), 640u);  // boot size
  CHECK_EQ(rig.read(kRegBytesPerLine), 640u * 4);
  rig.write(kRegPitchlock, 4096);
  rig.write(kRegWidth, 800);
  rig.write(kRegHeight, 600);
  CHECK_EQ(rig.read(kRegBytesPerLine), 4096u);
  CHECK_EQ(rig.read(kRegFbSize), 4096u * 600);
  rig.write(kRegWidth, 5000);  // above MAX_WIDTH: ignored
  CHECK_EQ(rig.read(kRegWidth), 800u);
  CHECK(!rig.dev.scanout().shown);
  rig.write(kRegEnable, 1);
  CHECK(rig.dev.scanout().shown);
  rig.write(kRegEnable, 3);  // ENABLE | HIDE
  CHECK(!rig.dev.scanout().shown);
  rig.write(kPaletteBase + 3, 0x1ff);
  CHECK_EQ(rig.read(kPaletteBase + 3), 0xffu);
  CHECK_EQ(rig.read(999), 0u);
  CHECK_EQ(rig.dev.unknown_registers(), 1u);
  CHECK_EQ(rig.read(kRegBusy), 0u);
}

TEST(svga_fifo_commands_draw_pixels) {
  Rig rig;
  rig.mode(64, 48);
  rig.init_fifo();
  CHECK_EQ(rig.fifo[kFifoCapabilities], kFifoCapFence | kFifoCapReserve);
  rig.fifo[kFifoBusy] = 1;
  rig.push({kCmdRectFill, 0x00ff0000, 4, 4, 8, 8});
  rig.push({kCmdRectCopy, 4, 4, 20, 10, 8, 8});
  rig.push({kCmdUpdate, 0, 0, 2, 2});
  rig.push({kCmdFence, 77});
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.fifo[kFifoStop], rig.fifo[kFifoNextCmd]);
  CHECK_EQ(rig.fifo[kFifoBusy], 0u);
  CHECK_EQ(rig.fifo[kFifoFence], 77u);
  CHECK_EQ(rig.pixel(4, 4), 0x00ff0000u);
  CHECK_EQ(rig.pixel(11, 11), 0x00ff0000u);
  CHECK_EQ(rig.pixel(12, 12), 0u);
  CHECK_EQ(rig.pixel(20, 10), 0x00ff0000u);
  CHECK_EQ(rig.pixel(27, 17), 0x00ff0000u);
  CHECK_EQ(rig.pixel(28, 17), 0u);
  auto rects = rig.dev.take_damage();
  CHECK_EQ(rects.size(), 3u);
  CHECK_EQ(rig.dev.fifo_stats().commands, 4u);
  // Overlapping copy (shift right by 2) keeps the source intact while copying.
  rig.push({kCmdRectFill, 0x000000ff, 0, 30, 4, 1});
  rig.push({kCmdRectCopy, 0, 30, 2, 30, 4, 1});
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.pixel(0, 30), 0x000000ffu);
  CHECK_EQ(rig.pixel(5, 30), 0x000000ffu);
  CHECK_EQ(rig.pixel(6, 30), 0u);
}

TEST(svga_fifo_wraps_and_waits_for_partial_commands) {
  Rig rig;
  rig.mode(64, 48);
  rig.init_fifo();
  uint32_t near_end = (64u << 10) - 8;  // two words before MAX
  rig.fifo[kFifoNextCmd] = near_end;
  rig.fifo[kFifoStop] = near_end;
  rig.push({kCmdRectFill, 0x0000ff00, 1, 1}, false);  // half written, not published
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.fifo[kFifoStop], near_end);
  // Publish only the first 4 words: still incomplete.
  rig.fifo[kFifoNextCmd] = 4096 + 8;
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.fifo[kFifoStop], near_end);
  rig.fifo[4096 / 4 + 2] = 2;
  rig.fifo[4096 / 4 + 3] = 2;
  rig.fifo[kFifoNextCmd] = 4096 + 16;
  CHECK_EQ(rig.read(kRegBusy), 0u);  // BUSY read drains
  CHECK_EQ(rig.fifo[kFifoStop], 4096u + 16);
  CHECK_EQ(rig.pixel(1, 1), 0x0000ff00u);
  CHECK_EQ(rig.pixel(2, 2), 0x0000ff00u);
  CHECK_EQ(rig.pixel(3, 3), 0u);
}

TEST(svga_fifo_hostile_pointers_and_commands) {
  Rig rig;
  rig.mode(64, 48);
  rig.init_fifo();
  uint32_t* f = rig.fifo;
  auto reset = [&] {
    f[kFifoMin] = 4096;
    f[kFifoMax] = 64u << 10;
    f[kFifoNextCmd] = 4096;
    f[kFifoStop] = 4096;
  };
  // Bad pointers: nothing is executed and STOP is left alone.
  const uint32_t bad[][4] = {
      {4097, 65536, 4096, 4096},   // MIN unaligned
      {4096, 65540, 4096, 4096},   // MAX beyond the BAR
      {4096, 8192, 4096, 4096},    // ring smaller than 10 KiB
      {4096, 65536, 65536, 4096},  // NEXT_CMD == MAX
      {4096, 65536, 4096, 100},    // STOP below MIN
      {8, 65536, 4096, 4096},      // MIN inside the mandatory registers
      {0xfffffff0, 0xfffffffc, 0xfffffff0, 0xfffffff0},
  };
  uint64_t before = rig.dev.fifo_stats().bad_pointers;
  for (const auto& b : bad) {
    reset();
    rig.push({kCmdRectFill, 0xffffffff, 0, 0, 64, 48});
    f[kFifoMin] = b[0];
    f[kFifoMax] = b[1];
    f[kFifoNextCmd] = b[2];
    f[kFifoStop] = b[3];
    rig.write(kRegSync, 1);
    CHECK_EQ(f[kFifoStop], b[3]);
  }
  CHECK_EQ(rig.dev.fifo_stats().bad_pointers, before + 7);
  CHECK_EQ(rig.pixel(0, 0), 0u);

  // Unknown opcode: everything published so far is dropped.
  reset();
  rig.push({0xdeadbeef, 1, 2, 3, kCmdRectFill, 0xffffffff, 0, 0, 64, 48});
  rig.write(kRegSync, 1);
  CHECK_EQ(f[kFifoStop], f[kFifoNextCmd]);
  CHECK_EQ(rig.dev.fifo_stats().unknown, 1u);
  CHECK_EQ(rig.pixel(0, 0), 0u);
  // A cursor bigger than the ring, and an ESCAPE claiming 4 GiB.
  reset();
  rig.push({kCmdDefineAlphaCursor, 0, 0, 0, 0xffffffff, 0xffffffff});
  rig.write(kRegSync, 1);
  reset();
  rig.push({kCmdEscape, 0, 0xffffffff});
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.dev.fifo_stats().oversized, 2u);
  // Huge and off-screen rectangles are clipped or refused, never drawn outside.
  reset();
  rig.push({kCmdRectFill, 0x00123456, 60, 46, 0xffffffff, 0xffffffff});
  rig.push({kCmdRectFill, 0x00123456, 0xfffffff0, 0, 100, 100});
  rig.push({kCmdRectCopy, 0xfffffff0, 0, 0, 0, 0x20, 0x20});
  rig.push({kCmdRectCopy, 0, 0, 60, 40, 8, 8});
  rig.push({kCmdUpdate, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff});
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.pixel(63, 47), 0x00123456u);
  CHECK_EQ(rig.pixel(60, 46), 0x00123456u);
  CHECK_EQ(rig.pixel(59, 46), 0u);
  // ESCAPE and 3D commands are skipped by their declared size.
  reset();
  rig.push({kCmdEscape, 0, 6, 0x11111111, 0x2222, kCmd3dFirst + 40, 4, 0x3333,
            kCmdRectFill, 0x00abcdef, 0, 0, 1, 1});
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.pixel(0, 0), 0x00abcdefu);
  CHECK_EQ(f[kFifoStop], f[kFifoNextCmd]);
}

TEST(svga_cursor_commands_and_registers) {
  Rig rig;
  rig.mode(64, 48);
  rig.init_fifo();
  rig.push({kCmdDefineAlphaCursor, 1, 1, 1, 2, 2, 0xff0000ff, 0x80000080, 0, 0xffffffff});
  rig.write(kRegSync, 1);
  rig.write(kRegCursorX, 10);
  rig.write(kRegCursorY, 12);
  rig.write(kRegCursorOn, 1);
  SvgaCursorState c;
  CHECK(rig.dev.cursor(0, &c));
  CHECK(c.visible);
  CHECK_EQ(c.x, 10u);
  CHECK_EQ(c.image.width, 2u);
  CHECK_EQ(c.image.hot_x, 1u);
  CHECK_EQ(c.image.bgra[1], 0x80000080u);
  CHECK(!rig.dev.cursor(c.generation, &c));
  // AND/XOR 1-bit 2x1: pixel 0 transparent (AND 1, XOR 0), pixel 1 white (AND 0, XOR 1).
  rig.push({kCmdDefineCursor, 2, 0, 0, 2, 1, 1, 1, 0x80, 0x40});
  // Depth 24 masks are not supported: consumed, counted, not applied.
  rig.push({kCmdDefineCursor, 3, 0, 0, 1, 1, 1, 24, 0, 0});
  rig.write(kRegSync, 1);
  CHECK(rig.dev.cursor(c.generation, &c));
  CHECK_EQ(c.image.id, 2u);
  CHECK_EQ(c.image.bgra[0], 0u);
  CHECK_EQ(c.image.bgra[1], 0xffffffffu);
  CHECK_EQ(rig.dev.fifo_stats().rejected_cursors, 1u);
  CHECK_EQ(rig.fifo[kFifoStop], rig.fifo[kFifoNextCmd]);
}

TEST(svga_8bit_mode_and_palette) {
  Rig rig;
  rig.write(kRegBitsPerPixel, 8);
  rig.write(kRegBitsPerPixel, 16);  // not supported: stays 8
  rig.mode(64, 48);
  CHECK_EQ(rig.read(kRegDepth), 8u);
  CHECK_EQ(rig.read(kRegPseudocolor), 1u);
  CHECK_EQ(rig.read(kRegBytesPerLine), 64u);
  rig.write(kPaletteBase + 5 * 3 + 0, 0x10);
  rig.write(kPaletteBase + 5 * 3 + 1, 0x20);
  rig.write(kPaletteBase + 5 * 3 + 2, 0x30);
  CHECK_EQ(rig.dev.palette_rgb(5), 0x102030u);
  rig.init_fifo();
  rig.push({kCmdRectFill, 5, 2, 0, 3, 1});
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.dev.vram()[1], 0);
  CHECK_EQ(rig.dev.vram()[2], 5);
  CHECK_EQ(rig.dev.vram()[4], 5);
  CHECK_EQ(rig.dev.vram()[5], 0);
}

TEST(svga_rom_bar_and_vram_dirty) {
  std::vector<uint8_t> rom(39936, 0);
  rom[0] = 0x55;
  rom[1] = 0xaa;
  Rig rig(rom);
  CHECK_EQ(rig.dev.bar_size(PciDevice::kRomBarIndex), 65536u);
  uint8_t* r = rig.slots.at(kRom);
  CHECK(r != nullptr);
  if (r) CHECK_EQ(r[1], 0xaa);
  uint32_t px = 0x00ffffff;
  CHECK(rig.dev.host_write_vram(0x5000, &px, 4));
  CHECK(!rig.dev.host_write_vram((4u << 20) - 2, &px, 4));
  std::vector<uint64_t> bits;
  CHECK(rig.dev.take_vram_dirty_pages(&bits).ok());
  CHECK_EQ(bits[0], 0x22u);  // page 1 from KVM, page 5 from the host write
  CHECK(rig.dev.take_vram_dirty_pages(&bits).ok());
  CHECK_EQ(bits[0], 0x2u);
}

TEST(svga_reset_returns_to_power_on_state) {
  Rig rig;
  rig.mode(64, 48);
  rig.init_fifo();
  rig.write(kRegPitchlock, 512);
  rig.host.config_write(0, 2, 0, 0x14, 4, 0xd0000000);  // the guest moves VRAM
  rig.dev.reset();
  CHECK_EQ(rig.read(kRegEnable), 0u);
  CHECK_EQ(rig.read(kRegWidth), 640u);
  CHECK_EQ(rig.read(kRegConfigDone), 0u);
  CHECK_EQ(rig.read(kRegPitchlock), 0u);
  CHECK_EQ(rig.read(kRegFbStart), kVram);
  CHECK_EQ(rig.dev.bar_decoded_at(1), kVram);
  CHECK_EQ(rig.fifo[kFifoMin], 0u);
  rig.write(kRegSync, 1);  // FIFO not configured: nothing runs
  CHECK_EQ(rig.dev.fifo_stats().bad_pointers, 0u);
}

// A hostile PITCHLOCK that is not a multiple of 4: rows start at odd bytes, and a
// 32-bpp fill must still store each pixel there (no misaligned uint32_t store: UBSan).
TEST(svga_odd_pitchlock_fill_is_byte_exact) {
  Rig rig;
  rig.mode(64, 48);
  rig.init_fifo();
  rig.write(kRegPitchlock, 64 * 4 + 1);
  CHECK_EQ(rig.read(kRegBytesPerLine), 257u);
  rig.push({kCmdRectFill, 0x00123456, 1, 3, 5, 2});
  rig.write(kRegSync, 1);
  uint32_t v = 0;
  std::memcpy(&v, rig.dev.vram() + 3 * 257 + 4 * 1, 4);
  CHECK_EQ(v, 0x00123456u);
  std::memcpy(&v, rig.dev.vram() + 4 * 257 + 4 * 5, 4);
  CHECK_EQ(v, 0x00123456u);
  std::memcpy(&v, rig.dev.vram() + 4 * 257 + 4 * 6, 4);
  CHECK_EQ(v, 0u);
}

// A guest that queues many full-screen fills cannot stall the thread that drains: one
// drain does at most SvgaDevice::kDrainBudget (2 Mi pixels here = 2 fills of 1024x768),
// REG_BUSY reads 1 while commands wait (each read drains one budget more), FIFO[BUSY] is
// cleared so the guest's next ping still writes SYNC, and everything runs in the end, in
// order. Before, one SYNC ran all 100 fills (and 1024 at 2560x1600 took ~0.5 s).
TEST(svga_drain_is_bounded_and_resumes_where_it_stopped) {
  Rig rig;
  rig.mode(1024, 768);
  rig.init_fifo();
  constexpr uint32_t kFills = 100;
  for (uint32_t i = 0; i < kFills; ++i) rig.push({kCmdRectFill, 0x00010000u * (i + 1), 0, 0, 1024, 768});
  rig.fifo[kFifoBusy] = 1;  // the guest's ping: cmpxchg(BUSY, 0, 1), then SYNC
  rig.write(kRegSync, 1);
  CHECK_EQ(rig.pixel(1023, 767), 0x00020000u);  // fills 1 and 2 ran, the third waits
  CHECK_EQ(rig.fifo[kFifoStop], 4096u + 2 * 24);
  CHECK_EQ(rig.fifo[kFifoBusy], 0u);
  unsigned reads = 0;
  while (rig.read(kRegBusy) == 1) {
    ++reads;
    CHECK(reads <= kFills);
  }
  CHECK_EQ(reads, kFills / 2 - 2);  // two per read; the last read returns 0
  CHECK_EQ(rig.pixel(0, 0), 0x00000000u + 0x00010000u * kFills);
  CHECK_EQ(rig.fifo[kFifoStop], rig.fifo[kFifoNextCmd]);
  // The display tick's drain_fifo() has the same bound and says whether work remains.
  for (uint32_t i = 0; i < 5; ++i) rig.push({kCmdRectFill, 0x00000001u + i, 0, 0, 1024, 768});
  CHECK(rig.dev.drain_fifo());
  CHECK_EQ(rig.pixel(5, 5), 0x00000002u);
  CHECK(rig.dev.drain_fifo());
  CHECK(!rig.dev.drain_fifo());
  CHECK_EQ(rig.pixel(5, 5), 0x00000005u);
  CHECK_EQ(rig.read(kRegBusy), 0u);
}
