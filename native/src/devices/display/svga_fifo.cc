#include "devices/display/svga_fifo.h"

#include <algorithm>

#include <cstddef>

#include "core/le_bytes.h"
#include "devices/display/svga_regs.h"

namespace vireo {

namespace {
constexpr uint32_t kIncomplete = 0;
constexpr uint32_t kUnknown = UINT32_MAX;
constexpr uint32_t kHuge = UINT32_MAX - 1;  // larger than any ring

uint32_t capped(uint64_t words) { return words >= kHuge ? kHuge : static_cast<uint32_t>(words); }
// Words of one AND/XOR mask: each scanline padded to 32 bits (SVGA_PIXMAP_SIZE).
uint64_t mask_words(uint64_t w, uint64_t h, uint64_t depth) { return (w * depth + 31) / 32 * h; }
}  // namespace

uint32_t SvgaFifo::load(uint32_t word) const {
  if (uint64_t{word} * 4 + 4 > size_) return 0;
  return __atomic_load_n(reinterpret_cast<const uint32_t*>(mem_) + word, __ATOMIC_ACQUIRE);
}

void SvgaFifo::store(uint32_t word, uint32_t value) {
  if (uint64_t{word} * 4 + 4 > size_) return;
  __atomic_store_n(reinterpret_cast<uint32_t*>(mem_) + word, value, __ATOMIC_RELEASE);
}

// Validation as in svga_reg.h's FIFO rules (QEMU vmsvga_fifo_length does the same):
// dword aligned, MIN past the four mandatory registers, MAX inside the BAR, at least
// 10 KiB of ring, NEXT_CMD and STOP inside the ring.
bool SvgaFifo::read_ring(Ring* r) const {
  r->min = load(svga::kFifoMin);
  r->max = load(svga::kFifoMax);
  r->next = load(svga::kFifoNextCmd);
  r->stop = load(svga::kFifoStop);
  if ((r->min | r->max | r->next | r->stop) & 3) return false;
  if (r->min < 16 || r->max > size_ || uint64_t{r->min} + kMinRingBytes > r->max) return false;
  if (r->next < r->min || r->next >= r->max || r->stop < r->min || r->stop >= r->max) return false;
  return true;
}

uint32_t SvgaFifo::available_words(const Ring& r) const {
  if (r.next >= r.stop) return (r.next - r.stop) / 4;
  return (r.max - r.stop + r.next - r.min) / 4;
}

uint32_t SvgaFifo::peek(const Ring& r, uint32_t word_offset) const {
  uint64_t pos = uint64_t{r.stop} + uint64_t{word_offset} * 4;
  if (pos >= r.max) pos = pos - r.max + r.min;  // callers stay below available_words
  return load(static_cast<uint32_t>(pos / 4));
}

// Length in words of the command whose first `have` words are `c` (a private copy:
// the guest may rewrite the ring at any time, so the length is derived from the very
// words that will be decoded). kIncomplete when the header is not all there.
uint32_t SvgaFifo::command_length(const uint32_t* c, uint32_t have) {
  switch (c[0]) {
    case svga::kCmdUpdate: return 5;
    case svga::kCmdRectFill: return 6;
    case svga::kCmdRectCopy: return 7;
    case svga::kCmdUpdateVerbose: return 6;
    case svga::kCmdFence: return 2;
    case svga::kCmdDefineAlphaCursor: {
      if (have < 6) return kIncomplete;
      return capped(6 + uint64_t{c[4]} * c[5]);
    }
    case svga::kCmdDefineCursor: {
      if (have < 8) return kIncomplete;
      uint64_t w = c[4], h = c[5], and_depth = c[6], xor_depth = c[7];
      if (w > 0xffff || h > 0xffff || and_depth > 32 || xor_depth > 32) return kHuge;
      return capped(8 + mask_words(w, h, and_depth) + mask_words(w, h, xor_depth));
    }
    case svga::kCmdEscape: {
      if (have < 3) return kIncomplete;
      return capped(3 + (uint64_t{c[2]} + 3) / 4);
    }
    default:
      if (c[0] >= svga::kCmd3dFirst && c[0] <= svga::kCmd3dLast) {
        if (have < 2) return kIncomplete;
        return capped(2 + (uint64_t{c[1]} + 3) / 4);
      }
      return kUnknown;
  }
}

bool SvgaFifo::configure(uint32_t fifo_caps) {
  Ring r;
  bool ok = read_ring(&r);
  uint32_t min = load(svga::kFifoMin);
  if (min <= size_ && min > svga::kFifoCapabilities * 4) store(svga::kFifoCapabilities, fifo_caps);
  if (!ok) ++stats_.bad_pointers;
  return ok;
}

uint64_t SvgaFifo::command_pixels(const uint32_t* c) {
  switch (c[0]) {
    case svga::kCmdRectFill: return uint64_t{c[4]} * c[5];
    case svga::kCmdRectCopy: return uint64_t{c[5]} * c[6];
    case svga::kCmdDefineCursor:
    case svga::kCmdDefineAlphaCursor: return uint64_t{c[4]} * c[5];
    default: return 0;
  }
}

SvgaDrainResult SvgaFifo::drain(SvgaCommandSink& sink, const SvgaDrainBudget& budget) {
  SvgaDrainResult result;
  unsigned& done = result.executed;
  uint64_t pixels = 0;
  // Two rounds: after BUSY := 0, re-check NEXT_CMD so a command the guest added while
  // BUSY was still 1 (it then skips the SYNC write) is not left waiting.
  for (int round = 0; round < 2; ++round) {
    Ring r;
    if (!read_ring(&r)) {
      ++stats_.bad_pointers;
      return result;
    }
    cur_min_ = r.min;
    const uint32_t capacity = (r.max - r.min) / 4 - 1;
    while (done < budget.commands) {
      uint32_t avail = available_words(r);
      if (avail == 0) break;
      // Copy the header once; the length and the decoding both come from this copy.
      uint32_t have = avail < kMaxHeaderWords ? avail : kMaxHeaderWords;
      cmd_.resize(have);
      for (uint32_t i = 0; i < have; ++i) cmd_[i] = peek(r, i);
      uint32_t len = command_length(cmd_.data(), have);
      if (len == kIncomplete) break;
      if (len == kUnknown || len > capacity) {
        // The length of what follows is unknowable: drop everything written so far.
        ++(len == kUnknown ? stats_.unknown : stats_.oversized);
        r.stop = r.next;
        store(svga::kFifoStop, r.stop);
        break;
      }
      if (len > avail) break;  // the guest is still writing it
      // The rest of the command after the words already copied (never re-read).
      cmd_.resize(len);
      for (uint32_t i = have; i < len; ++i) cmd_[i] = peek(r, i);
      const uint64_t cost = command_pixels(cmd_.data());
      if (done > 0 && cost > budget.pixels - pixels) {
        result.more = true;  // left in the ring, STOP unchanged: the next pass starts here
        break;
      }
      pixels += std::min(cost, budget.pixels - pixels);  // one command uses at most the rest
      uint64_t stop = uint64_t{r.stop} + uint64_t{len} * 4;
      if (stop >= r.max) stop = stop - r.max + r.min;
      r.stop = static_cast<uint32_t>(stop);
      store(svga::kFifoStop, r.stop);
      execute(sink);
      ++stats_.commands;
      ++done;
    }
    if (r.min > svga::kFifoBusy * 4) store(svga::kFifoBusy, 0);
    if (done >= budget.commands && available_words(r) > 0) result.more = true;
    if (result.more || load(svga::kFifoNextCmd) == r.stop) break;
  }
  return result;
}

void SvgaFifo::execute(SvgaCommandSink& sink) {
  const uint32_t* c = cmd_.data();
  switch (c[0]) {
    case svga::kCmdUpdate:
    case svga::kCmdUpdateVerbose:
      sink.cmd_update(c[1], c[2], c[3], c[4]);
      break;
    case svga::kCmdRectFill:
      sink.cmd_rect_fill(c[1], c[2], c[3], c[4], c[5]);
      break;
    case svga::kCmdRectCopy:
      sink.cmd_rect_copy(c[1], c[2], c[3], c[4], c[5], c[6]);
      break;
    case svga::kCmdFence:
      fence_ = c[1];
      if (cur_min_ > svga::kFifoFence * 4) store(svga::kFifoFence, c[1]);
      break;
    case svga::kCmdDefineCursor:
      define_cursor(sink);
      break;
    case svga::kCmdDefineAlphaCursor:
      define_alpha_cursor(sink);
      break;
    default:  // ESCAPE and 3D: consumed, nothing to do on a 2D-only device
      break;
  }
}

void SvgaFifo::define_alpha_cursor(SvgaCommandSink& sink) {
  uint32_t w = cmd_[4], h = cmd_[5];
  if (w == 0 || h == 0 || w > kMaxCursorSide || h > kMaxCursorSide) {
    ++stats_.rejected_cursors;
    return;
  }
  SvgaCursorImage img{cmd_[1], cmd_[2], cmd_[3], w, h, {}};
  img.bgra.assign(cmd_.begin() + 6, cmd_.begin() + 6 + std::size_t{w} * h);
  sink.cmd_cursor(std::move(img));
}

// AND/XOR cursor (svga_interface.txt "DEFINE_CURSOR"): AND mask depth 1, XOR depth 1, 8
// (palette) or 32 (0x00RRGGBB); scanlines padded to 32 bits, bits MSB first per byte.
// AND=1 XOR=0 is transparent; AND=0 is the XOR color; AND=1 XOR!=0 (screen invert) is
// shown as the XOR color too, since the host composites the cursor on its own.
void SvgaFifo::define_cursor(SvgaCommandSink& sink) {
  uint32_t w = cmd_[4], h = cmd_[5], and_depth = cmd_[6], xor_depth = cmd_[7];
  if (w == 0 || h == 0 || w > kMaxCursorSide || h > kMaxCursorSide || and_depth != 1 ||
      (xor_depth != 1 && xor_depth != 8 && xor_depth != 32)) {
    ++stats_.rejected_cursors;
    return;
  }
  const uint8_t* and_mask = reinterpret_cast<const uint8_t*>(cmd_.data() + 8);
  const uint8_t* xor_mask = and_mask + mask_words(w, h, 1) * 4;
  std::size_t and_stride = (w + 31) / 32 * 4, xor_stride = (std::size_t{w} * xor_depth + 31) / 32 * 4;
  SvgaCursorImage img{cmd_[1], cmd_[2], cmd_[3], w, h, {}};
  img.bgra.resize(std::size_t{w} * h);
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      bool a = and_mask[y * and_stride + x / 8] & (0x80 >> (x % 8));
      const uint8_t* row = xor_mask + y * xor_stride;
      uint32_t color;
      if (xor_depth == 1)
        color = (row[x / 8] & (0x80 >> (x % 8))) ? 0xffffff : 0;
      else if (xor_depth == 8)
        color = sink.palette_color(row[x]) & 0xffffff;
      else
        color = static_cast<uint32_t>(le_load(row + 4 * x, 3));
      img.bgra[std::size_t{y} * w + x] = (a && color == 0) ? 0 : 0xff000000u | color;
    }
  }
  sink.cmd_cursor(std::move(img));
}

}  // namespace vireo
