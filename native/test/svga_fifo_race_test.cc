// The SVGA FIFO is guest memory that a second vCPU rewrites while the host drains it.
// A thread plays that vCPU, flipping a command's opcode between FENCE (2 words) and
// DEFINE_ALPHA_CURSOR (6 + w*h words) while the host thread drains: a FIFO that sizes a
// command from one read and decodes it from another copies 2 words and decodes 65542
// (a host heap over-read ASan reports). Decoding only the single private copy is safe.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "check.h"
#include "devices/display/svga_fifo.h"
#include "devices/display/svga_regs.h"

using namespace vireo;
using namespace vireo::svga;

namespace {

struct CountingSink : SvgaCommandSink {
  unsigned cursors = 0, fills = 0;
  void cmd_update(uint32_t, uint32_t, uint32_t, uint32_t) override {}
  void cmd_rect_fill(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) override { ++fills; }
  void cmd_rect_copy(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t) override {}
  void cmd_cursor(SvgaCursorImage&& image) override {
    ++cursors;
    CHECK_EQ(image.bgra.size(), std::size_t{image.width} * image.height);
  }
  uint32_t palette_color(uint8_t) override { return 0; }
};

void put(uint32_t* fifo, uint32_t word, uint32_t v) { __atomic_store_n(fifo + word, v, __ATOMIC_RELAXED); }

}  // namespace

TEST(svga_fifo_decodes_one_copy_while_a_second_vcpu_rewrites_it) {
  constexpr uint32_t kSize = 64 << 10, kMin = 4096, kWord = kMin / 4;
  uint32_t* fifo = static_cast<uint32_t*>(std::aligned_alloc(4096, kSize));
  for (uint32_t i = 0; i < kSize / 4; ++i) fifo[i] = 0;
  put(fifo, kFifoMin, kMin);
  put(fifo, kFifoMax, kSize);
  // FENCE 1, then words a DEFINE_ALPHA_CURSOR would take as id, hot x/y, 256 x 256.
  const uint32_t words[] = {kCmdFence, 1, 0, 0, 256, 256};
  for (uint32_t i = 0; i < 6; ++i) put(fifo, kWord + i, words[i]);
  SvgaFifo f(reinterpret_cast<uint8_t*>(fifo), kSize);
  CountingSink sink;
  std::atomic<bool> done{false};
  std::thread vcpu([&] {
    for (uint32_t n = 0; !done.load(std::memory_order_relaxed); ++n)
      put(fifo, kWord, n & 1 ? kCmdDefineAlphaCursor : kCmdFence);
  });
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
  unsigned passes = 0;
  while (std::chrono::steady_clock::now() < until) {
    // The guest publishes 2 words: a complete FENCE, or an incomplete cursor header.
    put(fifo, kFifoStop, kMin);
    put(fifo, kFifoNextCmd, kMin + 8);
    f.drain(sink, {1, 1u << 20});
    ++passes;
  }
  done = true;
  vcpu.join();
  CHECK(passes > 1000);
  CHECK_EQ(sink.cursors, 0u);  // never enough words for a cursor, whatever the timing
  std::free(fifo);
}
