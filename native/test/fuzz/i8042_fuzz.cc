// libFuzzer target for the i8042 keyboard controller with its PS/2 keyboard and mouse
// (native/src/devices/legacy/i8042.*): data/status/command port accesses of any width
// interleaved with host input (scan codes, key events, mouse motion), so controller
// commands with arguments, device commands and full output queues meet. Checked by
// ASan/UBSan, and that the IRQ lines only ever follow the output buffer (a level that
// stays high after the buffer was drained would hang a guest's interrupt handler).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "../fake_irq.h"
#include "../fake_vcpu.h"
#include "devices/legacy/i8042.h"
#include "fuzz_guest.h"

using namespace vireo;

namespace {

struct Control : MachineControl {
  unsigned resets = 0;
  void request_reset() override { ++resets; }
  void request_stop(StopReason, uint32_t) override {}
  void milestone(uint32_t) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  vireo_test::FakeIrq kbd, aux;
  Control control;
  I8042 dev(kbd, aux, control);
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 6) {
      case 0: {  // write 0x60 / 0x64, any width
        uint16_t port = in.u8() & 1 ? I8042::kCommandPort : I8042::kDataPort;
        unsigned width = 1u << (in.u8() % 3);
        uint8_t v[4] = {in.u8(), in.u8(), in.u8(), in.u8()};
        dev.pio_write(port, v, width, vcpu);
        break;
      }
      case 1: {  // read 0x60 / 0x64, any width
        uint16_t port = in.u8() & 1 ? I8042::kCommandPort : I8042::kDataPort;
        uint8_t v[4];
        dev.pio_read(port, v, 1u << (in.u8() % 3), vcpu);
        break;
      }
      case 2: {  // controller command + argument (0x60 write after a 0x64 write)
        uint8_t c = in.u8(), a = in.u8();
        dev.pio_write(I8042::kCommandPort, &c, 1, vcpu);
        dev.pio_write(I8042::kDataPort, &a, 1, vcpu);
        break;
      }
      case 3: {  // host scan code bytes
        size_t n = in.u8() % 32, got;
        const uint8_t* p = in.bytes(n, &got);
        dev.queue_keyboard_bytes(p, got);
        break;
      }
      case 4: {
        uint16_t code = in.u16();
        dev.key_event(code, in.u8() & 1);
        break;
      }
      default: {
        int dx = int16_t(in.u16()), dy = int16_t(in.u16());
        dev.mouse_event(dx, dy, in.u8());
        break;
      }
    }
    // Drain: the line for a source must drop once 0x60 was read empty.
    if (in.u8() == 0xFF) {
      uint8_t v;
      for (int i = 0; i < 64; ++i) dev.pio_read(I8042::kDataPort, &v, 1, vcpu);
      if (kbd.level && aux.level) std::abort();  // one byte in the buffer, one source
    }
  }
  return 0;
}
