#include "devices/legacy/system_control_port.h"

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {
struct Control : MachineControl {
  int resets = 0;
  void request_reset() override { ++resets; }
  void request_stop(StopReason, uint32_t) override {}
  void milestone(uint32_t) override {}
};
}  // namespace

TEST(port_92_a20_bit_and_fast_reset) {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu(mem);
  Control control;
  SystemControlPortA port_a(control);
  PioBus bus;
  CHECK(bus.add(SystemControlPortA::kPort, 1, &port_a, "port-a").ok());
  auto in = [&] {
    uint8_t v = 0;
    bus.read(0x92, &v, 1, vcpu);
    return v;
  };
  auto out = [&](uint8_t v) { bus.write(0x92, &v, 1, vcpu); };
  CHECK_EQ(in(), 0x02);
  out(0x00);  // A20 off: stored only
  CHECK_EQ(in(), 0x00);
  CHECK_EQ(control.resets, 0);
  out(in() | 0x02);  // SeaBIOS-style read-modify-write never resets
  CHECK_EQ(control.resets, 0);
  out(0x03);
  CHECK_EQ(control.resets, 1);
  CHECK_EQ(in(), 0x02);  // bit 0 reads back 0
}
