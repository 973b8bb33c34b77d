// libFuzzer target for the 16550 UART (native/src/devices/legacy/uart16550.*): register
// accesses of any width on COM1, received bytes, a host sink that takes a fuzzed number
// of bytes per call (back-pressure) and tx_ready() retries. Checked by ASan/UBSan and
// that the sink is never handed more than the 16-byte TX FIFO at once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "devices/legacy/uart16550.h"
#include "fuzz_guest.h"

using namespace vireo;

namespace {

struct Sink : ByteSink {
  size_t accept = 16;
  size_t write(const uint8_t*, size_t len) override {
    if (len > Uart16550::kFifoSize) std::abort();
    return len < accept ? len : accept;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  vireo_test::FakeIrq irq;
  Sink sink;
  Uart16550 uart(irq, sink);
  unsigned rx_space_calls = 0;
  uart.set_rx_space_callback([&] { ++rx_space_calls; });
  constexpr uint16_t kBase = 0x3F8;
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 5) {
      case 0: {
        uint16_t port = kBase + (in.u8() & 7);
        unsigned width = 1u << (in.u8() % 3);
        uint8_t v[4] = {in.u8(), in.u8(), in.u8(), in.u8()};
        uart.pio_write(port, v, width, vcpu);
        break;
      }
      case 1: {
        uint16_t port = kBase + (in.u8() & 7);
        unsigned width = 1u << (in.u8() % 3), n = in.u8() % 20 + 1;
        uint8_t v[4];
        for (unsigned i = 0; i < n; ++i) uart.pio_read(port, v, width, vcpu);
        break;
      }
      case 2: {
        size_t n = in.u8() % 40, got;
        const uint8_t* p = in.bytes(n, &got);
        uart.receive(p, got);
        break;
      }
      case 3: sink.accept = in.u8() % 18; break;
      default:
        uart.tx_ready();
        uart.rx_space();
        uart.tx_dropped();
        break;
    }
  }
  return 0;
}
