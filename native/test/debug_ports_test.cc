#include "devices/legacy/debug_ports.h"

#include <string>
#include <vector>

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {
struct Control : MachineControl {
  int resets = 0;
  std::vector<std::pair<StopReason, uint32_t>> stops;
  std::vector<uint32_t> milestones;
  void request_reset() override { ++resets; }
  void request_stop(StopReason reason, uint32_t code) override { stops.push_back({reason, code}); }
  void milestone(uint32_t value) override { milestones.push_back(value); }
};

struct Sink : ByteSink {
  std::string out;
  bool full = false;
  size_t write(const uint8_t* data, size_t len) override {
    if (full) return 0;
    out.append(reinterpret_cast<const char*>(data), len);
    return len;
  }
};

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  Control control;
  Sink sink;
  DebugExitPort exit{control};
  MilestonePort milestone{control};
  DebugConPort debugcon{sink};
  PostCodePort post;
  PioBus bus;
  Rig() {
    bus.add(0xF4, 4, &exit, "debug-exit");
    bus.add(0xF8, 4, &milestone, "milestone");
    bus.add(0x402, 1, &debugcon, "debugcon");
    bus.add(0x80, 1, &post, "post");
  }
  void out32(uint16_t port, uint32_t v) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    bus.write(port, b, 4, vcpu);
  }
  void out8(uint16_t port, uint8_t v) { bus.write(port, &v, 1, vcpu); }
  uint8_t in8(uint16_t port) {
    uint8_t v = 0;
    bus.read(port, &v, 1, vcpu);
    return v;
  }
};
}  // namespace

TEST(debug_exit_powers_off_with_the_written_value) {
  Rig r;
  r.out32(0xF4, 0x12345678);
  r.out8(0xF4, 3);
  uint8_t two[2] = {0x01, 0x02};
  r.bus.write(0xF4, two, 2, r.vcpu);
  CHECK_EQ(r.control.stops.size(), 3u);
  CHECK(r.control.stops[0].first == StopReason::kPoweroff);
  CHECK_EQ(r.control.stops[0].second, 0x12345678u);
  CHECK_EQ(r.control.stops[1].second, 3u);
  CHECK_EQ(r.control.stops[2].second, 0x0201u);
  CHECK_EQ(r.in8(0xF4), 0xFF);  // not readable
  CHECK_EQ(r.control.resets, 0);
}

TEST(milestone_port_records_values) {
  Rig r;
  r.out32(0xF8, 7);
  r.out32(0xF8, 0xFFFFFFFF);
  uint8_t wide[8] = {1, 0, 0, 0, 9, 9, 9, 9};  // 64-bit write: low 32 bits
  r.bus.write(0xF8, wide, 8, r.vcpu);
  CHECK_EQ(r.control.milestones.size(), 3u);
  CHECK_EQ(r.control.milestones[0], 7u);
  CHECK_EQ(r.control.milestones[1], 0xFFFFFFFFu);
  CHECK_EQ(r.control.milestones[2], 1u);
  CHECK(r.control.stops.empty());
}

TEST(debugcon_reads_e9_and_forwards_characters) {
  Rig r;
  CHECK_EQ(r.in8(0x402), 0xE9);
  for (char c : std::string("SeaBIOS\n")) r.out8(0x402, static_cast<uint8_t>(c));
  CHECK(r.sink.out == "SeaBIOS\n");
  r.sink.full = true;
  r.out8(0x402, 'x');
  CHECK_EQ(r.debugcon.dropped(), 1u);
  CHECK(r.sink.out == "SeaBIOS\n");
}

TEST(post_code_port_latches_last_byte) {
  Rig r;
  CHECK_EQ(r.in8(0x80), 0);
  r.out8(0x80, 0x55);
  r.out8(0x80, 0xAA);
  CHECK_EQ(r.in8(0x80), 0xAA);
  CHECK_EQ(r.post.last(), 0xAA);
}
