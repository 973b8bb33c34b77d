// A fw_cfg DMA descriptor is guest memory a second vCPU may rewrite while the device
// reads it. A thread flips the descriptor between a valid READ of 16 bytes of a file into
// a buffer and hostile variants (length 0xFFFFFFFF, an address at the end of low RAM or
// in the ROM, the SKIP and WRITE controls, another selector) while the host thread keeps
// starting the transfer. The device must decode one copy: ASan catches any host
// over-read of an item, only the files' bytes land in the buffer, and nothing past the
// 5000-byte file's length is written whatever length the device saw.
#include <cstdint>
#include <cstring>

#include "../check.h"
#include "../fake_vcpu.h"
#include "devices/legacy/fw_cfg.h"
#include "fuzz_guest.h"
#include "race.h"

using namespace vireo;
using vireo_fuzz::guest_store;

namespace {
uint32_t be(uint32_t v) { return __builtin_bswap32(v); }
}  // namespace

TEST(fw_cfg_decodes_one_copy_of_a_dma_descriptor_a_second_vcpu_rewrites) {
  constexpr uint64_t kDesc = 0x1000, kBuf = 0x2000;
  constexpr uint32_t kRead = 0x02, kSkip = 0x04, kSelect = 0x08, kWrite = 0x10;
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  FwCfg cfg;
  CHECK(cfg.add_file("genroms/linuxboot_dma.bin", std::vector<uint8_t>(5000, 0x55)).ok());
  CHECK(cfg.add_file("etc/e820", std::vector<uint8_t>(40, 0xE8)).ok());
  const uint16_t sel = cfg.file_selector("genroms/linuxboot_dma.bin");
  uint8_t* d = m.mem().host_ptr(kDesc, 16);
  uint8_t* buf = m.mem().host_ptr(kBuf, 0x8000);
  CHECK(d && buf);
  auto valid = [&] {
    guest_store<uint32_t>(d, be(uint32_t{sel} << 16 | kSelect | kRead));
    guest_store<uint32_t>(d + 4, be(16));
    guest_store<uint32_t>(d + 8, 0);
    guest_store<uint32_t>(d + 12, be(uint32_t(kBuf)));
  };
  valid();
  uint64_t foreign = 0;
  {
    vireo_fuzz::SecondVcpu other([&](uint64_t round, bool bad) {
      switch (round % 5) {
        case 0: guest_store<uint32_t>(d + 4, be(bad ? 0xFFFFFFFFu : 16u)); break;
        case 1: guest_store<uint32_t>(d + 12, be(bad ? 0x9EFF8u : uint32_t(kBuf))); break;
        case 2: guest_store<uint32_t>(d + 12, be(bad ? 0xC0000u : uint32_t(kBuf))); break;
        case 3:
          guest_store<uint32_t>(d, be(uint32_t{sel} << 16 | kSelect | (bad ? kSkip | kWrite : kRead)));
          break;
        default: guest_store<uint32_t>(d, be((bad ? 0x20u : uint32_t{sel}) << 16 | kSelect | kRead)); break;
      }
    });
    uint64_t passes = vireo_fuzz::host_loop([&] {
      uint8_t a[8] = {0, 0, 0, 0, 0, 0, uint8_t(kDesc >> 8), uint8_t(kDesc)};
      cfg.pio_write(0x514, a, 8, vcpu);
      // Only the two files' bytes (or zeros) can land in the buffer.
      for (unsigned i = 0; i < 0x8000; i += 997)
        if (buf[i] != 0 && buf[i] != 0x55 && buf[i] != 0xE8) ++foreign;
    });
    CHECK(passes > 1000);
  }
  CHECK_EQ(foreign, 0u);
  // Past the 5000-byte file nothing is written, whatever length was seen.
  for (unsigned i = 5000; i < 0x8000; ++i)
    if (buf[i]) {
      CHECK_EQ(i, 0u);
      break;
    }
}
