#include "core/guest_memory.h"

#include "check.h"

using namespace vireo;

TEST(guest_memory_bounds) {
  GuestMemory mem;
  CHECK(mem.add_region(0, 0x10000, false).ok());
  CHECK(mem.add_region(0x100000, 0x1000, true).ok());
  CHECK(!mem.add_region(0x8000, 0x1000, false).ok());  // overlap
  CHECK(!mem.add_region(0x123, 0x1000, false).ok());   // unaligned
  CHECK(mem.host_ptr(0xfff0, 0x10) != nullptr);
  CHECK(mem.host_ptr(0xfff0, 0x11) == nullptr);        // crosses the end
  CHECK(mem.host_ptr(0xfffffffffffffff0ull, 0x20) == nullptr);  // wraps
  uint32_t v = 0xdeadbeef;
  CHECK(mem.write(0x100, &v, 4));
  CHECK(!mem.write(0x100000, &v, 4));  // read-only region
  uint32_t r = 0;
  CHECK(mem.read(0x100, &r, 4));
  CHECK_EQ(r, 0xdeadbeefu);
  CHECK_EQ(mem.ram_bytes(), 0x10000u);
}
