#include "devices/legacy/uart16550.h"

#include <atomic>
#include <string>
#include <thread>

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

// A sink that takes at most `budget` more bytes (unlimited when budget < 0).
struct Sink : ByteSink {
  std::string out;
  long budget = -1;
  size_t write(const uint8_t* data, size_t len) override {
    size_t n = len;
    if (budget >= 0 && n > static_cast<size_t>(budget)) n = static_cast<size_t>(budget);
    out.append(reinterpret_cast<const char*>(data), n);
    if (budget >= 0) budget -= static_cast<long>(n);
    return n;
  }
};

constexpr uint16_t kBase = 0x3F8;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  Line irq;
  Sink sink;
  Uart16550 uart{irq, sink};
  PioBus bus;
  Rig() { bus.add(kBase, 8, &uart, "com1"); }
  uint8_t in(unsigned off) {
    uint8_t v = 0;
    bus.read(kBase + off, &v, 1, vcpu);
    return v;
  }
  void out(unsigned off, uint8_t v) { bus.write(kBase + off, &v, 1, vcpu); }
};
}  // namespace

TEST(uart_idle_state_matches_seabios_expectations) {
  Rig r;
  CHECK_EQ(r.in(5), 0x60);  // LSR: THRE | TEMT
  CHECK_EQ(r.in(2), 0x01);  // IIR: no interrupt, FIFOs off
  CHECK_EQ(r.in(6), 0xB0);  // MSR: DCD, DSR, CTS
  // SeaBIOS serial_setup: IER=0x02, then IER reads 0x02 and (IIR & 0x3F) == 0x02.
  r.out(1, 0x02);
  CHECK_EQ(r.in(1), 0x02);
  CHECK(r.irq.level);
  CHECK_EQ(r.in(2) & 0x3F, 0x02);
  CHECK(!r.irq.level);  // the IIR read cleared the THRE interrupt
  CHECK_EQ(r.in(2), 0x01);
}

TEST(uart_transmits_to_sink_and_scratch_and_dlab) {
  Rig r;
  r.out(3, 0x80);  // DLAB
  r.out(0, 0x01);
  r.out(1, 0x00);
  CHECK_EQ(r.in(0), 0x01);
  r.out(3, 0x03);  // 8N1
  CHECK_EQ(r.in(3), 0x03);
  r.out(0, 'h');
  r.out(0, 'i');
  CHECK(r.sink.out == std::string("hi"));
  CHECK_EQ(r.in(5), 0x60);
  r.out(7, 0x5A);
  CHECK_EQ(r.in(7), 0x5A);
  // A 16-bit read is split into byte accesses: LSR then MSR.
  uint8_t two[2] = {0, 0};
  r.bus.read(kBase + 5, two, 2, r.vcpu);
  CHECK_EQ(two[0], 0x60);
  CHECK_EQ(two[1], 0xB0);
}

TEST(uart_thre_interrupt_edges_per_byte) {
  Rig r;
  r.out(1, 0x02);
  CHECK_EQ(r.irq.rises, 1);
  r.out(0, 'a');  // clears THRE, drains at once, raises it again: a new edge
  CHECK_EQ(r.irq.rises, 2);
  CHECK(r.irq.level);
  CHECK_EQ(r.in(2), 0x02);
  CHECK(!r.irq.level);
  r.out(1, 0x00);
  r.out(0, 'b');
  CHECK(!r.irq.level);  // pending but masked
}

TEST(uart_back_pressure_holds_bytes_until_tx_ready) {
  Rig r;
  r.out(2, 0x07);  // FIFO on, both reset
  r.out(1, 0x02);
  r.in(2);
  r.sink.budget = 0;
  for (int i = 0; i < 20; ++i) r.out(0, static_cast<uint8_t>('A' + i));
  CHECK_EQ(r.sink.out.size(), 0u);
  CHECK_EQ(r.in(5) & 0x60, 0);  // THRE and TEMT clear: the guest must wait
  CHECK_EQ(r.uart.tx_dropped(), 4u);  // 16 held, the 4 beyond the FIFO lost
  CHECK(!r.irq.level);
  r.sink.budget = 10;
  r.uart.tx_ready();
  CHECK(r.sink.out == std::string("ABCDEFGHIJ"));
  CHECK_EQ(r.in(5) & 0x60, 0);
  CHECK(!r.irq.level);
  r.sink.budget = -1;
  r.uart.tx_ready();
  CHECK(r.sink.out == std::string("ABCDEFGHIJKLMNOP"));
  CHECK_EQ(r.in(5), 0x60);
  CHECK(r.irq.level);  // drained: THRE interrupt
  CHECK_EQ(r.in(2), 0xC2);
}

TEST(uart_receive_fifo_trigger_and_overflow) {
  Rig r;
  uint8_t data[20];
  for (int i = 0; i < 20; ++i) data[i] = static_cast<uint8_t>(i);
  // FIFOs off: one character of buffering.
  CHECK_EQ(r.uart.receive(data, 20), 1u);
  CHECK(!r.uart.rx_space());
  CHECK_EQ(r.in(5), 0x61);
  int notified = 0;
  r.uart.set_rx_space_callback([&] { ++notified; });
  CHECK_EQ(r.in(0), 0);
  CHECK_EQ(notified, 1);
  CHECK_EQ(r.in(5), 0x60);
  // FIFOs on, trigger 8 (FCR bits 7..6 = 10).
  r.out(2, 0x87);
  r.out(1, 0x01);
  CHECK_EQ(r.uart.receive(data, 4), 4u);
  CHECK(r.irq.level);
  CHECK_EQ(r.in(2), 0xCC);  // below trigger: character timeout
  CHECK_EQ(r.uart.receive(data + 4, 16), 12u);  // stops at 16
  CHECK(!r.uart.rx_space());
  CHECK_EQ(r.in(2), 0xC4);  // at/above trigger: RX data available
  for (int i = 0; i < 16; ++i) CHECK_EQ(r.in(0), i);
  CHECK_EQ(notified, 2);
  CHECK_EQ(r.in(5), 0x60);
  CHECK(!r.irq.level);
  CHECK_EQ(r.in(0), 0);  // empty RBR reads 0
  // FCR RX reset discards received bytes.
  r.uart.receive(data, 3);
  r.out(2, 0x03);
  CHECK_EQ(r.in(5) & 1, 0);
}

TEST(uart_loopback_overrun_and_modem_lines) {
  Rig r;
  r.out(2, 0x01);
  r.out(4, 0x10);  // loopback, all outputs low
  CHECK_EQ(r.in(6), 0x0B);  // CTS, DSR, DCD fell: DCTS|DDSR|DDCD; lines now 0
  CHECK_EQ(r.in(6), 0x00);
  r.out(4, 0x1F);
  CHECK_EQ(r.in(6), 0xFB);  // all four lines high, deltas for CTS/DSR/DCD
  r.out(4, 0x1B);           // OUT1 low: RI trailing edge
  CHECK_EQ(r.in(6) & 0x4F, 0x04);
  uint8_t byte = 'x';
  CHECK_EQ(r.uart.receive(&byte, 1), 0u);  // serial input disconnected in loopback
  CHECK(!r.uart.rx_space());
  for (int i = 0; i < 17; ++i) r.out(0, static_cast<uint8_t>(i));
  CHECK(r.sink.out.empty());
  CHECK_EQ(r.in(5), 0x63);  // DR | OE | THRE | TEMT
  CHECK_EQ(r.in(5), 0x61);  // OE cleared by the read
  CHECK_EQ(r.in(0), 0);
  // Line-status interrupt has the highest priority.
  r.out(1, 0x0F);
  r.out(0, 0xEE);
  r.out(0, 0xEE);  // FIFO now full again (15 left + 1) then an overrun
  CHECK_EQ(r.in(2) & 0x0F, 0x06);
  r.in(5);
  CHECK_EQ(r.in(2) & 0x0F, 0x04);
  r.out(4, 0x00);  // leave loopback
  CHECK_EQ(r.in(6) & 0xF0, 0xB0);
}

TEST(uart_modem_status_interrupt_lowest_priority) {
  Rig r;
  r.out(1, 0x08);
  CHECK(!r.irq.level);
  r.out(4, 0x10);
  CHECK(r.irq.level);
  CHECK_EQ(r.in(2), 0x00);
  r.in(6);
  CHECK(!r.irq.level);
  CHECK_EQ(r.in(2), 0x01);
}

TEST(uart_host_thread_and_vcpu_thread_concurrently) {
  Rig r;
  r.out(2, 0x01);
  constexpr int kBytes = 3000;
  std::atomic<bool> done{false};
  // Host thread: feeds RX byte by byte (retrying when full) and kicks the transmitter.
  std::thread host([&] {
    for (int i = 0; i < kBytes; ++i) {
      uint8_t b = static_cast<uint8_t>(i);
      while (r.uart.receive(&b, 1) == 0) std::this_thread::yield();
      r.uart.tx_ready();
    }
    done = true;
  });
  // vCPU thread (this one): polls LSR.DR and reads RBR, writing each byte back out.
  int got = 0;
  bool in_order = true;
  while (got < kBytes) {
    if (r.in(5) & 0x01) {
      uint8_t v = r.in(0);
      in_order = in_order && v == static_cast<uint8_t>(got);
      ++got;
      while (!(r.in(5) & 0x20)) std::this_thread::yield();
      r.out(0, v);
    }
  }
  host.join();
  CHECK(done);
  CHECK(in_order);
  CHECK_EQ(r.sink.out.size(), static_cast<size_t>(kBytes));
  CHECK_EQ(r.uart.tx_dropped(), 0u);
}
