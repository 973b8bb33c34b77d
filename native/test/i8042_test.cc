#include "devices/legacy/i8042.h"

#include <vector>

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {
struct Line : IrqLine {
  bool level = false;
  int rises = 0;
  void set_level(bool high) override {
    if (high && !level) ++rises;
    level = high;
  }
};

struct Control : MachineControl {
  int resets = 0;
  void request_reset() override { ++resets; }
  void request_stop(StopReason, uint32_t) override {}
  void milestone(uint32_t) override {}
};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  Line kbd_irq, aux_irq;
  Control control;
  I8042 kbc{kbd_irq, aux_irq, control};
  PioBus bus;
  Rig() {
    bus.add(0x60, 1, &kbc, "i8042-data");
    bus.add(0x64, 1, &kbc, "i8042-cmd");
  }
  uint8_t in(uint16_t port) {
    uint8_t v = 0;
    bus.read(port, &v, 1, vcpu);
    return v;
  }
  void out(uint16_t port, uint8_t v) { bus.write(port, &v, 1, vcpu); }
  // Drains the output buffer as a polling driver does.
  std::vector<uint8_t> drain() {
    std::vector<uint8_t> got;
    while (in(0x64) & 0x01) got.push_back(in(0x60));
    return got;
  }
  void command_byte(uint8_t v) {
    out(0x64, 0x60);
    out(0x60, v);
  }
};

using Bytes = std::vector<uint8_t>;
}  // namespace

TEST(i8042_controller_commands) {
  Rig r;
  CHECK_EQ(r.in(0x64) & 0x03, 0);  // nothing to read, input buffer empty
  r.out(0x64, 0xAA);
  CHECK_EQ(r.in(0x64) & 0x0D, 0x0D);  // OBF, system flag, last write was a command
  CHECK(r.drain() == Bytes{0x55});
  r.out(0x64, 0x20);
  CHECK(r.drain() == Bytes{0x07});
  r.command_byte(0x65);
  CHECK_EQ(r.in(0x64) & 0x08, 0);  // last write went to 0x60
  r.out(0x64, 0x20);
  CHECK(r.drain() == Bytes{0x65});
  r.out(0x64, 0xAB);
  r.out(0x64, 0xA9);
  CHECK(r.drain() == (Bytes{0x00, 0x00}));
  r.out(0x64, 0xA7);
  r.out(0x64, 0xAD);
  r.out(0x64, 0x20);
  CHECK(r.drain() == Bytes{0x75});
  r.out(0x64, 0xA8);
  r.out(0x64, 0xAE);
  r.out(0x64, 0x20);
  CHECK(r.drain() == Bytes{0x45});
  // Controller RAM beyond the command byte.
  r.out(0x64, 0x65);
  r.out(0x60, 0x99);
  r.out(0x64, 0x25);
  CHECK(r.drain() == Bytes{0x99});
  // Empty output buffer re-reads its last byte.
  CHECK_EQ(r.in(0x60), 0x99);
  r.out(0x64, 0xC8);  // unimplemented command: ignored
  CHECK(r.drain().empty());
  // Writing to a device clears its interface-disable bit.
  r.out(0x64, 0xAD);
  r.out(0x64, 0xA7);
  r.out(0x60, 0xF4);
  r.out(0x64, 0x20);
  CHECK(r.drain() == (Bytes{0xFA, 0x65}));
  r.out(0x64, 0xD4);
  r.out(0x60, 0xF5);
  r.out(0x64, 0x20);
  CHECK(r.drain() == (Bytes{0xFA, 0x45}));
}

TEST(i8042_output_port_reset_and_a20) {
  Rig r;
  r.out(0x64, 0xD0);
  CHECK(r.drain() == Bytes{0x03});
  r.out(0x64, 0xD1);
  r.out(0x60, 0xDF);  // A20 on, reset line high: nothing happens
  CHECK_EQ(r.control.resets, 0);
  r.out(0x64, 0xD0);
  CHECK_EQ(r.drain()[0] & 0x03, 0x03);
  r.out(0x64, 0xD1);
  r.out(0x60, 0xDE);  // bit 0 low: CPU reset
  CHECK_EQ(r.control.resets, 1);
  r.out(0x64, 0xFE);
  CHECK_EQ(r.control.resets, 2);
  r.out(0x64, 0xFF);  // pulses nothing
  CHECK_EQ(r.control.resets, 2);
}

TEST(i8042_keyboard_commands) {
  Rig r;
  r.out(0x60, 0xFF);
  CHECK(r.drain() == (Bytes{0xFA, 0xAA}));
  r.out(0x60, 0xF2);
  CHECK(r.drain() == (Bytes{0xFA, 0xAB, 0x83}));
  r.out(0x60, 0xF0);
  r.out(0x60, 0x00);
  CHECK(r.drain() == (Bytes{0xFA, 0xFA, 0x02}));
  r.out(0x60, 0xF0);
  r.out(0x60, 0x03);  // set 3 refused
  CHECK(r.drain() == (Bytes{0xFA, 0xFE}));
  r.out(0x60, 0xED);
  r.out(0x60, 0x07);
  r.out(0x60, 0xF3);
  r.out(0x60, 0x20);
  CHECK(r.drain() == (Bytes{0xFA, 0xFA, 0xFA, 0xFA}));
  r.out(0x60, 0xEE);
  r.out(0x60, 0x12);  // not a command
  CHECK(r.drain() == (Bytes{0xEE, 0xFE}));
  r.out(0x60, 0xF5);
  CHECK(r.drain() == Bytes{0xFA});
  uint8_t a = 0x1C;
  CHECK_EQ(r.kbc.queue_keyboard_bytes(&a, 1), 0u);  // scanning disabled
  r.out(0x60, 0xF4);
  CHECK(r.drain() == Bytes{0xFA});
  CHECK_EQ(r.kbc.queue_keyboard_bytes(&a, 1), 1u);
  CHECK(r.drain() == Bytes{0x1C});
}

TEST(i8042_scancodes_irq_and_translation) {
  Rig r;
  const uint8_t keys[] = {0x1C, 0xF0, 0x1C, 0xE0, 0x74, 0xE0, 0xF0, 0x74, 0x83, 0xF0, 0x83};
  CHECK_EQ(r.kbc.queue_keyboard_bytes(keys, sizeof keys), sizeof keys);
  CHECK(r.kbd_irq.level);
  CHECK_EQ(r.kbd_irq.rises, 1);
  CHECK(r.drain() == (Bytes{0x1C, 0xF0, 0x1C, 0xE0, 0x74, 0xE0, 0xF0, 0x74, 0x83, 0xF0, 0x83}));
  CHECK_EQ(r.kbd_irq.rises, 11);  // one edge per byte
  CHECK(!r.kbd_irq.level);
  r.command_byte(0x41);  // XLATE + keyboard IRQ
  CHECK_EQ(r.kbc.queue_keyboard_bytes(keys, sizeof keys), sizeof keys);
  CHECK(r.drain() == (Bytes{0x1E, 0x9E, 0xE0, 0x4D, 0xE0, 0xCD, 0x41, 0xC1}));
  // Keyboard interface disabled (0xAD): bytes wait in the keyboard.
  r.out(0x64, 0xAD);
  CHECK_EQ(r.kbc.queue_keyboard_bytes(keys, 1), 1u);
  CHECK(r.drain().empty());
  r.out(0x64, 0xAE);
  CHECK(r.drain() == Bytes{0x1E});
  // IRQ 1 disabled in the command byte: data but no interrupt.
  r.command_byte(0x00);
  r.kbc.queue_keyboard_bytes(keys, 1);
  CHECK(!r.kbd_irq.level);
  CHECK(r.drain() == Bytes{0x1C});
  // Scan code set 1 inside the keyboard.
  r.out(0x60, 0xF0);
  r.out(0x60, 0x01);
  CHECK(r.drain() == (Bytes{0xFA, 0xFA}));
  r.kbc.queue_keyboard_bytes(keys, 3);
  CHECK(r.drain() == (Bytes{0x1E, 0x9E}));
}

TEST(i8042_key_event_builds_sequences) {
  Rig r;
  CHECK(r.kbc.key_event(0x001C, true));
  CHECK(r.kbc.key_event(0x001C, false));
  CHECK(r.kbc.key_event(0xE074, true));
  CHECK(r.kbc.key_event(0xE074, false));
  CHECK(r.drain() == (Bytes{0x1C, 0xF0, 0x1C, 0xE0, 0x74, 0xE0, 0xF0, 0x74}));
  r.command_byte(0x41);
  CHECK(r.kbc.key_event(0xE074, false));
  CHECK(r.drain() == (Bytes{0xE0, 0xCD}));
  // All or nothing: five 3-byte releases fit in the 16-byte buffer, the sixth does not.
  r.out(0x64, 0xAD);
  int accepted = 0;
  for (int i = 0; i < 8; ++i) accepted += r.kbc.key_event(0xE074, false);
  CHECK_EQ(accepted, 5);
  r.out(0x64, 0xAE);
  CHECK_EQ(r.drain().size(), 10u);  // translated: E0 CD per key
  r.out(0x60, 0xF5);
  r.drain();
  CHECK(!r.kbc.key_event(0x001C, true));
}

TEST(i8042_keyboard_buffer_overflow) {
  Rig r;
  std::vector<uint8_t> many(40, 0x1C);
  CHECK_EQ(r.kbc.queue_keyboard_bytes(many.data(), many.size()), 16u);  // the keyboard's buffer
  CHECK_EQ(r.drain().size(), 16u);
  // Reset clears what the keyboard still holds.
  r.out(0x64, 0xAD);
  r.kbc.queue_keyboard_bytes(many.data(), 5);
  r.out(0x60, 0xFF);
  r.out(0x64, 0xAE);
  std::vector<uint8_t> got = r.drain();
  CHECK(got == (Bytes{0xFA, 0xAA}));
}

TEST(i8042_mouse_commands_and_packets) {
  Rig r;
  r.out(0x64, 0xD4);
  r.out(0x60, 0xFF);
  CHECK_EQ(r.in(0x64) & 0x21, 0x21);  // aux byte in the output buffer
  CHECK(r.aux_irq.level);
  CHECK(!r.kbd_irq.level);
  CHECK(r.drain() == (Bytes{0xFA, 0xAA, 0x00}));
  auto aux = [&](uint8_t v) {
    r.out(0x64, 0xD4);
    r.out(0x60, v);
  };
  aux(0xF2);
  aux(0xF3);
  aux(0x28);
  aux(0xE8);
  aux(0x03);
  aux(0xE9);
  CHECK(r.drain() == (Bytes{0xFA, 0x00, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0x00, 0x03, 0x28}));
  CHECK(!r.kbc.mouse_event(5, 5, 1));  // reporting still off
  aux(0xF4);
  CHECK(r.drain() == Bytes{0xFA});
  CHECK(r.kbc.mouse_event(5, 3, 0x01));  // right 5, down 3, left button
  CHECK(r.drain() == (Bytes{0x29, 0x05, 0xFD}));
  CHECK(r.kbc.mouse_event(-300, -2, 0x06));  // split into two packets
  CHECK(r.drain() == (Bytes{0x1E, 0x01, 0x02, 0x1E, 0xD3, 0x00}));
  aux(0xE9);
  CHECK(r.drain() == (Bytes{0xFA, 0x23, 0x03, 0x28}));
  // Huge motion: as many packets as fit, then dropped.
  CHECK(!r.kbc.mouse_event(1 << 30, -(1 << 30), 0));
  size_t n = r.drain().size();
  CHECK(n > 0 && n % 3 == 0 && n <= 256);
  // Aux interface disabled: packets wait; the keyboard still gets through.
  r.out(0x64, 0xA7);
  CHECK(r.kbc.mouse_event(1, 0, 0));
  uint8_t key = 0x1C;
  r.kbc.queue_keyboard_bytes(&key, 1);
  CHECK(r.drain() == Bytes{0x1C});
  r.out(0x64, 0xA8);
  CHECK(r.drain() == (Bytes{0x08, 0x01, 0x00}));
  aux(0xF5);
  aux(0xEE);  // wrap mode: not supported
  CHECK(r.drain() == (Bytes{0xFA, 0xFE}));
}

TEST(i8042_write_output_buffers_and_priority) {
  Rig r;
  r.out(0x64, 0xD2);
  r.out(0x60, 0x42);
  CHECK_EQ(r.in(0x64) & 0x21, 0x01);
  CHECK(r.kbd_irq.level);
  CHECK(r.drain() == Bytes{0x42});
  r.out(0x64, 0xD3);
  r.out(0x60, 0x43);
  CHECK_EQ(r.in(0x64) & 0x21, 0x21);
  CHECK(r.aux_irq.level);
  CHECK(r.drain() == Bytes{0x43});
  // Controller replies are queued behind a byte already in the output buffer.
  uint8_t key = 0x1C;
  r.kbc.queue_keyboard_bytes(&key, 1);
  r.out(0x64, 0x20);
  CHECK(r.drain() == (Bytes{0x1C, 0x03}));
  // Hostile flood of controller commands: bounded queue, no crash.
  for (int i = 0; i < 1000; ++i) r.out(0x64, 0x20);
  CHECK_EQ(r.drain().size(), 17u);  // one in the output buffer + 16 queued
}
