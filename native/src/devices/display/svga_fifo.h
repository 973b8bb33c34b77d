// SvgaFifo: the host side of the SVGA II command FIFO in BAR2 (svga_interface.txt,
// "FIFO"). The guest owns MIN/MAX/NEXT_CMD, the host owns STOP; commands live in the
// ring [MIN, MAX) as 32-bit words. The memory is shared with a running (hostile) guest,
// so every pass re-reads and re-validates the pointers, copies a command out of the ring
// before decoding it, and never reads or writes outside the FIFO buffer.
// Not thread-safe: the owning device serializes calls.
#pragma once
#include <cstdint>
#include <vector>

namespace vireo {

// A cursor image as defined by DEFINE_CURSOR (AND/XOR masks, converted) or
// DEFINE_ALPHA_CURSOR: premultiplied BGRA, width*height pixels.
struct SvgaCursorImage {
  uint32_t id = 0, hot_x = 0, hot_y = 0, width = 0, height = 0;
  std::vector<uint32_t> bgra;
};

// What the decoded commands do; implemented by the device.
class SvgaCommandSink {
 public:
  virtual ~SvgaCommandSink() = default;
  virtual void cmd_update(uint32_t x, uint32_t y, uint32_t w, uint32_t h) = 0;
  virtual void cmd_rect_fill(uint32_t color, uint32_t x, uint32_t y, uint32_t w, uint32_t h) = 0;
  virtual void cmd_rect_copy(uint32_t sx, uint32_t sy, uint32_t dx, uint32_t dy, uint32_t w,
                             uint32_t h) = 0;
  virtual void cmd_cursor(SvgaCursorImage&& image) = 0;
  // The palette for 8-bit XOR masks (DEFINE_CURSOR with xor depth 8): 0x00RRGGBB.
  virtual uint32_t palette_color(uint8_t index) = 0;
};

// How much one drain() may do: a guest can queue 1024 full-screen RECT_FILLs at 2560x1600
// (~0.5 s of host work); a drain stops at whichever bound comes first and the rest waits
// for the next pass. The first command of a pass always runs, so every pass progresses.
struct SvgaDrainBudget {
  unsigned commands;
  uint64_t pixels;  // RECT_FILL/RECT_COPY/cursor areas as the guest wrote them
};

struct SvgaDrainResult {
  unsigned executed = 0;
  bool more = false;  // complete commands are still queued (a bound was reached)
};

struct SvgaFifoStats {
  uint64_t commands = 0;        // executed (including skipped ESCAPE/3D)
  uint64_t bad_pointers = 0;    // passes refused: MIN/MAX/NEXT_CMD/STOP invalid
  uint64_t unknown = 0;         // unknown opcode: rest of the ring dropped
  uint64_t oversized = 0;       // a command longer than the ring: rest dropped
  uint64_t rejected_cursors = 0;  // cursor commands consumed but not applied
};

class SvgaFifo {
 public:
  // Lower bound for MAX - MIN (svga_reg.h: "at least 10K"); QEMU enforces the same.
  static constexpr uint32_t kMinRingBytes = 10 * 1024;
  static constexpr uint32_t kMaxCursorSide = 256;

  // `mem` is the page-aligned FIFO buffer of `size` bytes (multiple of 4 KiB).
  SvgaFifo(uint8_t* mem, uint32_t size) : mem_(mem), size_(size) {}

  // REG_CONFIG_DONE := 1. Publishes the FIFO capabilities (word 4) when MIN leaves room
  // for it; returns whether the pointers are valid right now.
  bool configure(uint32_t fifo_caps);
  // Executes complete commands within `budget`, advancing STOP; then clears FIFO[BUSY]
  // (when MIN leaves room for it) even when work remains, so the guest's next ping still
  // writes SVGA_REG_SYNC (vmwgfx pings only when it flips BUSY from 0 to 1). A command not
  // yet completely written stays for the next pass.
  SvgaDrainResult drain(SvgaCommandSink& sink, const SvgaDrainBudget& budget);
  // FENCE command result: FIFO[FENCE] (when MIN leaves room for it).
  uint32_t last_fence() const { return fence_; }
  const SvgaFifoStats& stats() const { return stats_; }

 private:
  struct Ring {
    uint32_t min, max, next, stop;
  };
  uint32_t load(uint32_t word) const;
  void store(uint32_t word, uint32_t value);
  bool read_ring(Ring* ring) const;
  uint32_t available_words(const Ring& r) const;
  uint32_t peek(const Ring& r, uint32_t word_offset) const;
  // Words a command's header needs before its length is known (DEFINE_CURSOR: 8).
  static constexpr uint32_t kMaxHeaderWords = 8;
  // Length in words of the command whose first `have` words are `c`: 0 when its header
  // is not all there yet, UINT32_MAX when the opcode is unknown.
  static uint32_t command_length(const uint32_t* c, uint32_t have);
  // The pixel work of a complete command `c` (0 for those without an area).
  static uint64_t command_pixels(const uint32_t* c);
  void execute(SvgaCommandSink& sink);
  void define_cursor(SvgaCommandSink& sink);
  void define_alpha_cursor(SvgaCommandSink& sink);

  uint8_t* mem_;
  uint32_t size_;
  uint32_t fence_ = 0;
  uint32_t cur_min_ = 0;       // MIN of the pass in progress
  std::vector<uint32_t> cmd_;  // the command being executed, copied out of the ring
  SvgaFifoStats stats_;
};

}  // namespace vireo
