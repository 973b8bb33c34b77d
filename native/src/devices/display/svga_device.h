// SvgaDevice: VMware SVGA II (PCI 15ad:0405, class 0x030000), 2D only, "Legacy Display
// Unit" level: what Linux vmwgfx needs to bind and modeset (docs/svga-display.md 1.1-1.5)
// plus RECT_FILL/RECT_COPY and cursor definitions.
//   BAR0  I/O, 16 ports: index (+0), value (+1), BIOS (+2, ignored), IRQ status (+8, 0)
//   BAR1  VRAM, RAM-backed slot with dirty logging, prefetchable; scanout at offset 0
//   BAR2  FIFO, RAM-backed slot (the guest uses cmpxchg on it), prefetchable
//   ROM   optional expansion ROM (vgabios-vmware.bin), read-only slot
// Capabilities: RECT_FILL, RECT_COPY, CURSOR, CURSOR_BYPASS(_2), 8BIT_EMULATION,
// ALPHA_CURSOR, EXTENDED_FIFO, PITCHLOCK; FIFO capabilities FENCE and RESERVE. No IRQ
// (interrupt pin 0), no GMR, no 3D, one display.
// Threading: register accesses come from vCPU threads, the host API from the display
// thread; one mutex serializes them (FIFO draining runs under it).
#pragma once
#include <cstdint>
#include <mutex>
#include <vector>

#include "devices/display/svga_damage.h"
#include "devices/display/svga_fifo.h"
#include "devices/pci/pci_device.h"

namespace vireo {

struct SvgaConfig {
  uint32_t vram_size = 32u << 20;  // power of two, >= 4 MiB; must hold max_width*max_height*4
  uint32_t fifo_size = 256u << 10;  // power of two, 64 KiB .. 2 MiB
  uint32_t max_width = 2560, max_height = 1600;
  uint32_t boot_width = 1024, boot_height = 768;  // REG_WIDTH/HEIGHT before the guest sets a mode
  std::vector<uint8_t> option_rom;  // expansion ROM image; empty: no ROM BAR
};

struct SvgaScanout {
  bool valid = false;  // registers describe a mode that fits VRAM
  bool shown = false;  // valid and ENABLE == 1 (enabled, not hidden)
  uint32_t width = 0, height = 0, bpp = 32, pitch = 0;
};

struct SvgaCursorState {
  bool visible = false;
  uint32_t x = 0, y = 0;  // REG_CURSOR_X/Y: already hotspot-adjusted by the guest
  uint64_t generation = 0;  // bumps when the image changes
  SvgaCursorImage image;
};

class SvgaDevice : public PciDevice, public PciBarHandler, private SvgaCommandSink {
 public:
  static constexpr int kIoBar = 0, kVramBar = 1, kFifoBar = 2;
  // One drain's bound (SvgaDrainBudget): 2 Mi pixels is one 1920x1080 fill, a few ms here.
  static constexpr SvgaDrainBudget kDrainBudget{1024, 2u << 20};
  static constexpr uint32_t kScratchSize = 64;

  explicit SvgaDevice(PciResources res);
  // Allocates VRAM/FIFO/ROM memory and declares the BARs. Call once, before PciHost use.
  Status init(const SvgaConfig& config);

  // Guest reset (machine reset): registers to power-on values (boot mode, disabled, FIFO
  // not configured), FIFO memory zeroed, config space back to the VMM placement. VRAM
  // keeps its contents, like real VRAM across a warm reset.
  void reset();

  // --- host API (display thread) ---
  uint8_t* vram() const { return vram_.data(); }
  uint64_t vram_size() const { return vram_.size(); }
  SvgaScanout scanout();
  // The display tick drains too (a guest may skip the SYNC write); one budget per call.
  // True when complete commands are still queued.
  bool drain_fifo();
  std::vector<DisplayRect> take_damage();  // UPDATE / RECT_* rectangles since the last call
  // KVM dirty pages of the VRAM slot, OR-ed with pages written through host_write_vram.
  Status take_vram_dirty_pages(std::vector<uint64_t>* bitmap);
  // Writes VRAM from the host (benchmarks); false when out of range.
  bool host_write_vram(uint64_t offset, const void* data, uint64_t len);
  // Copies the cursor position/visibility; also the image (returning true) when its
  // generation differs from `known_generation`.
  bool cursor(uint64_t known_generation, SvgaCursorState* out);
  uint32_t palette_rgb(uint8_t index);  // 0x00RRGGBB, 8-bit emulation palette
  SvgaFifoStats fifo_stats();
  uint64_t unknown_registers();
  // Register access without a bus: the same semantics as the value port.
  uint32_t read_register(uint32_t index);
  void write_register(uint32_t index, uint32_t value);

  // --- PciBarHandler (BAR0 only) ---
  void bar_read(int bar, uint64_t offset, uint8_t* data, unsigned size, VcpuContext& vcpu) override;
  void bar_write(int bar, uint64_t offset, const uint8_t* data, unsigned size,
                 VcpuContext& vcpu) override;

 private:
  uint32_t read_locked(uint32_t index);
  void write_locked(uint32_t index, uint32_t value);
  SvgaScanout scanout_locked() const;
  void drain_locked();
  bool fifo_pending_ = false;  // the last drain stopped at its budget
  // SvgaCommandSink
  void cmd_update(uint32_t x, uint32_t y, uint32_t w, uint32_t h) override;
  void cmd_rect_fill(uint32_t color, uint32_t x, uint32_t y, uint32_t w, uint32_t h) override;
  void cmd_rect_copy(uint32_t sx, uint32_t sy, uint32_t dx, uint32_t dy, uint32_t w,
                     uint32_t h) override;
  void cmd_cursor(SvgaCursorImage&& image) override;
  uint32_t palette_color(uint8_t index) override;

  SvgaConfig config_;
  HostPages vram_, fifo_mem_, rom_;
  std::unique_ptr<SvgaFifo> fifo_;

  std::mutex mu_;
  uint32_t index_ = 0;
  uint32_t id_ = 0x90000002;
  uint32_t enable_ = 0, width_ = 0, height_ = 0, bpp_ = 32, pitchlock_ = 0;
  uint32_t config_done_ = 0, guest_id_ = 0, irq_mask_ = 0, traces_ = 0, cursor_id_ = 0;
  uint32_t display_regs_[7] = {};  // NUM_GUEST_DISPLAYS .. DISPLAY_HEIGHT, stored only
  uint8_t palette_[768] = {};
  uint32_t scratch_[kScratchSize] = {};
  SvgaCursorState cursor_;
  DamageRegion damage_;
  std::vector<uint64_t> host_dirty_;  // pages written by host_write_vram
  uint64_t unknown_registers_ = 0, rejected_draws_ = 0;
};

}  // namespace vireo
