#include "devices/legacy/cmos_rtc.h"

#include "check.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {
constexpr uint64_t kMiB = 1024 * 1024;
constexpr int64_t kT0 = 1700000000;  // 2023-11-14 22:13:20 UTC, a Tuesday

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  int64_t host = kT0;
  CmosRtc rtc;
  PioBus bus;
  Rig(uint64_t below = 512 * kMiB, uint64_t above = 2048 * kMiB, unsigned cpus = 2)
      : rtc(below, above, cpus, [this] { return host; }) {
    bus.add(0x70, 2, &rtc, "cmos");
  }
  uint8_t get(uint8_t index) {
    bus.write(0x70, &index, 1, vcpu);
    uint8_t v = 0;
    bus.read(0x71, &v, 1, vcpu);
    return v;
  }
  void set(uint8_t index, uint8_t v) {
    bus.write(0x70, &index, 1, vcpu);
    bus.write(0x71, &v, 1, vcpu);
  }
};
}  // namespace

TEST(cmos_time_bcd_24h_from_host_utc) {
  Rig r;
  CHECK_EQ(r.get(0x00), 0x20);
  CHECK_EQ(r.get(0x02), 0x13);
  CHECK_EQ(r.get(0x04), 0x22);
  CHECK_EQ(r.get(0x06), 0x03);  // Tuesday, 1 = Sunday
  CHECK_EQ(r.get(0x07), 0x14);
  CHECK_EQ(r.get(0x08), 0x11);
  CHECK_EQ(r.get(0x09), 0x23);
  CHECK_EQ(r.get(0x32), 0x20);
  CHECK_EQ(r.get(0x0A), 0x26);  // UIP clear
  CHECK_EQ(r.get(0x0B), 0x02);
  CHECK_EQ(r.get(0x0D), 0x80);
  r.host += 5;
  CHECK_EQ(r.get(0x00), 0x25);  // follows the host clock
}

TEST(cmos_binary_and_12_hour_modes) {
  Rig r;
  r.set(0x0B, 0x04);  // binary, 12 h
  CHECK_EQ(r.get(0x04), 0x8A);  // 10 PM
  CHECK_EQ(r.get(0x02), 13);
  CHECK_EQ(r.get(0x09), 23);
  r.set(0x0B, 0x00);  // BCD, 12 h
  CHECK_EQ(r.get(0x04), 0x90);
  r.host -= 22 * 3600;  // 00:13:20 is 12 AM
  CHECK_EQ(r.get(0x04), 0x12);
  r.set(0x04, 0x81);  // 1 PM
  CHECK_EQ(r.get(0x04), 0x81);
  r.set(0x0B, 0x02);
  CHECK_EQ(r.get(0x04), 0x13);
}

TEST(cmos_guest_time_writes_keep_an_offset) {
  Rig r;
  r.set(0x02, 0x45);  // minutes := 45 (+32 min)
  CHECK_EQ(r.rtc.guest_time(), kT0 + 32 * 60);
  r.host += 60;
  CHECK_EQ(r.get(0x02), 0x46);  // the guest clock keeps running
  r.set(0x09, 0x30);  // year 2030
  CHECK_EQ(r.get(0x09), 0x30);
  CHECK_EQ(r.get(0x32), 0x20);
  r.set(0x32, 0x19);  // century 19 -> 1930
  CHECK_EQ(r.get(0x09), 0x30);
  CHECK_EQ(r.get(0x32), 0x19);
  // Not BCD, or out of range: ignored.
  int64_t before = r.rtc.guest_time();
  r.set(0x00, 0x5A);
  r.set(0x02, 0x60);
  r.set(0x08, 0x13);
  r.set(0x07, 0x00);
  r.set(0x04, 0x24);
  CHECK_EQ(r.rtc.guest_time(), before);
}

TEST(cmos_set_bit_freezes_then_applies_all_fields) {
  Rig r;
  r.set(0x0B, 0x82);  // SET
  r.host += 100;
  CHECK_EQ(r.get(0x00), 0x20);  // frozen
  // 2024-02-29 23:59:50: day written before month would be invalid in November... fine
  // here because nothing is normalised until SET clears.
  r.set(0x09, 0x24);
  r.set(0x07, 0x29);
  r.set(0x08, 0x02);
  r.set(0x04, 0x23);
  r.set(0x02, 0x59);
  r.set(0x00, 0x50);
  CHECK_EQ(r.get(0x06), 0x05);  // Thursday, from the frozen date
  r.set(0x0B, 0x02);
  CHECK_EQ(r.rtc.guest_time(), 1709251190);
  r.host += 10;
  CHECK_EQ(r.get(0x08), 0x03);  // rolled over into March 1
  CHECK_EQ(r.get(0x07), 0x01);
}

TEST(cmos_status_registers_index_and_storage) {
  Rig r;
  uint8_t idx = 0x8F;  // NMI disable + index 0x0F
  r.bus.write(0x70, &idx, 1, r.vcpu);
  uint8_t v = 0x0A;
  r.bus.write(0x71, &v, 1, r.vcpu);
  CHECK(r.rtc.nmi_masked());
  CHECK_EQ(r.get(0x0F), 0x0A);
  CHECK(!r.rtc.nmi_masked());
  uint8_t raw = 0;
  r.bus.read(0x70, &raw, 1, r.vcpu);
  CHECK_EQ(raw, 0xFF);
  r.set(0x0A, 0xA6);  // UIP not writable
  CHECK_EQ(r.get(0x0A), 0x26);
  r.set(0x0C, 0xFF);
  CHECK_EQ(r.get(0x0C), 0x00);
  r.set(0x0D, 0x00);
  CHECK_EQ(r.get(0x0D), 0x80);
  CHECK_EQ(r.get(0x7F), 0x00);  // unused bytes read 0
  r.set(0x7F, 0x42);
  CHECK_EQ(r.get(0xFF), 0x42);  // index 0xFF is 0x7F with NMI disable
}

TEST(cmos_memory_size_and_cpu_bytes) {
  Rig r(512 * kMiB, 2048 * kMiB, 2);
  CHECK_EQ(r.get(0x10), 0x00);
  CHECK_EQ(r.get(0x14), 0x06);
  CHECK_EQ(r.get(0x15) | r.get(0x16) << 8, 640);
  CHECK_EQ(r.get(0x17) | r.get(0x18) << 8, 0xFFFF);  // capped
  CHECK_EQ(r.get(0x30) | r.get(0x31) << 8, 0xFFFF);
  unsigned over16 = r.get(0x34) | r.get(0x35) << 8;
  CHECK_EQ(over16, (512u - 16u) * 16u);
  // SeaBIOS: RamSize = (CMOS[0x34] << 16 | CMOS[0x35] << 24) + 16 MiB.
  CHECK_EQ((uint64_t(over16) << 16) + 16 * kMiB, 512 * kMiB);
  CHECK_EQ(r.get(0x5B) | r.get(0x5C) << 8 | r.get(0x5D) << 16, 0x8000);
  CHECK_EQ(r.get(0x5F), 1);
  unsigned sum = 0;
  for (uint8_t i = 0x10; i <= 0x2D; ++i) sum += r.get(i);
  CHECK_EQ(unsigned(r.get(0x2E) << 8 | r.get(0x2F)), sum);

  Rig small(8 * kMiB, 0, 1);
  CHECK_EQ(small.get(0x17) | small.get(0x18) << 8, 7 * 1024);
  CHECK_EQ(small.get(0x34) | small.get(0x35) << 8, 0);
  CHECK_EQ(small.get(0x5B) | small.get(0x5C) | small.get(0x5D), 0);
  CHECK_EQ(small.get(0x5F), 0);
  Rig none(0, 0, 0);  // hostile configuration: still defined
  CHECK_EQ(none.get(0x17), 0);
  CHECK_EQ(none.get(0x5F), 0);
  Rig huge(8192 * kMiB, uint64_t(1) << 50, 300);
  CHECK_EQ(huge.get(0x34) | huge.get(0x35) << 8, 0xFFFF);
  CHECK_EQ(huge.get(0x5B) & huge.get(0x5C) & huge.get(0x5D), 0xFF);
  CHECK_EQ(huge.get(0x5F), 0xFF);
}
