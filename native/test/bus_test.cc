#include "core/bus.h"

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {
struct Recorder : PioDevice {
  uint16_t last_port = 0;
  uint8_t last = 0;
  void pio_read(uint16_t port, uint8_t* data, unsigned, VcpuContext&) override {
    last_port = port;
    data[0] = 0x42;
  }
  void pio_write(uint16_t port, const uint8_t* data, unsigned, VcpuContext&) override {
    last_port = port;
    last = data[0];
  }
};
}  // namespace

TEST(bus_dispatches_by_absolute_address) {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu(mem);
  PioBus bus;
  Recorder a, b;
  CHECK(bus.add(0x3f8, 8, &a, "com1").ok());
  CHECK(bus.add(0x60, 1, &b, "kbd").ok());
  uint8_t v = 7;
  CHECK(bus.write(0x3fd, &v, 1, vcpu));
  CHECK_EQ(a.last_port, 0x3fd);
  CHECK_EQ(a.last, 7);
  uint8_t r[2];
  CHECK(bus.read(0x60, r, 2, vcpu));
  CHECK_EQ(r[0], 0x42);
  CHECK_EQ(r[1], 0xff);  // untouched bytes read as all-ones
}

TEST(bus_rejects_overlap_and_counts_hits) {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu(mem);
  PioBus bus;
  Recorder a;
  CHECK(bus.add(0x3f8, 8, &a, "com1").ok());
  CHECK(!bus.add(0x3ff, 2, &a, "clash").ok());
  CHECK(!bus.add(0x10, 0, &a, "empty").ok());
  uint8_t v = 0;
  CHECK(!bus.write(0x3f0, &v, 1, vcpu));
  CHECK_EQ(bus.unhandled(), 1u);
  bus.write(0x3f8, &v, 1, vcpu);
  bus.write(0x3f9, &v, 1, vcpu);
  auto s = bus.stats();
  CHECK_EQ(s.size(), 1u);
  CHECK_EQ(s[0].hits, 2u);
}

TEST(bus_move_relocates_range) {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu(mem);
  PioBus bus;
  Recorder a;
  CHECK(bus.add(0xc000, 16, &a, "bar0").ok());
  CHECK(bus.move(&a, "bar0", 0xd000).ok());
  uint8_t v = 1;
  CHECK(!bus.write(0xc000, &v, 1, vcpu));
  CHECK(bus.write(0xd00f, &v, 1, vcpu));
  CHECK_EQ(a.last_port, 0xd00f);
}
