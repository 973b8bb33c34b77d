// libFuzzer target for fw_cfg (native/src/devices/legacy/fw_cfg.*): selector and data port
// accesses of any width, DMA descriptors written into guest memory and started through
// 0x514/0x518 (either half, or one 64-bit write), and the descriptor address pointing at
// holes, ROM and slot edges (fuzz_guest.h). Items as SeaBIOS sees them: a few fixed keys,
// several files, one larger than a page. Checked by ASan/UBSan.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../fake_vcpu.h"
#include "core/le_bytes.h"
#include "devices/legacy/fw_cfg.h"
#include "fuzz_guest.h"

using namespace vireo;

namespace {

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24);
  p[1] = uint8_t(v >> 16);
  p[2] = uint8_t(v >> 8);
  p[3] = uint8_t(v);
}

void add_items(FwCfg& c) {
  c.add_u16(0x05, 2);
  c.add_u64(0x03, 0x1122334455667788ull);
  c.add_item(0x0A, std::vector<uint8_t>(100, 0x0A));
  c.add_file("etc/e820", std::vector<uint8_t>(40, 0xE8));
  c.add_file("etc/boot-fail-wait", {0, 0, 0, 0});
  c.add_file("genroms/linuxboot_dma.bin", std::vector<uint8_t>(5000, 0x55));
  c.add_file("etc/table-loader", {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  m.clear();
  vireo_test::FakeVcpu vcpu(m.mem());
  FwCfg cfg;
  add_items(cfg);
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 7) {
      case 0: {  // any port, any width, write
        uint16_t port = FwCfg::kBasePort + in.u8() % FwCfg::kPortCount;
        unsigned width = in.width();
        uint8_t v[8];
        uint64_t value = in.u64();
        std::memcpy(v, &value, 8);
        cfg.pio_write(port, v, width, vcpu);
        break;
      }
      case 1: {  // any port, any width, read; a burst of data reads
        uint16_t port = FwCfg::kBasePort + in.u8() % FwCfg::kPortCount;
        unsigned width = in.width(), n = in.u8() + 1u;
        uint8_t v[8];
        for (unsigned i = 0; i < n; ++i) cfg.pio_read(port, v, width, vcpu);
        break;
      }
      case 2: vireo_fuzz::guest_write(in, m); break;
      case 3: {  // select a known item (file selectors are 0x20 + index)
        uint16_t sel = in.u8() & 1 ? uint16_t(0x20 + in.u8() % 6) : uint16_t(in.u8() % 0x1A);
        if (in.u8() & 0x80) sel |= 0x8000;  // the write bit QEMU defines
        uint8_t s[2] = {uint8_t(sel), uint8_t(sel >> 8)};
        cfg.pio_write(FwCfg::kBasePort, s, 2, vcpu);
        break;
      }
      case 4: {  // DMA: FWCfgDmaAccess {be32 control, be32 length, be64 address} at desc
        uint64_t desc = in.gpa();
        uint32_t control = in.u16();
        control |= uint32_t(in.u8() & 1 ? 0x20 + in.u8() % 6 : in.u8()) << 16;
        uint32_t length = in.u8() & 1 ? in.u32() : in.u16();
        uint64_t address = in.gpa();
        uint8_t d[16];
        put_be32(d, control);
        put_be32(d + 4, length);
        put_be32(d + 8, uint32_t(address >> 32));
        put_be32(d + 12, uint32_t(address));
        m.poke(desc, d, sizeof d);
        uint8_t a[8];
        put_be32(a, uint32_t(desc >> 32));
        put_be32(a + 4, uint32_t(desc));
        switch (in.u8() % 3) {
          case 0: cfg.pio_write(0x514, a, 8, vcpu); break;  // one 64-bit write
          case 1:
            cfg.pio_write(0x514, a, 4, vcpu);
            cfg.pio_write(0x518, a + 4, 4, vcpu);
            break;
          default: cfg.pio_write(0x518, a + 4, 4, vcpu); break;  // high half left as it was
        }
        break;
      }
      case 5: {  // DMA started at a fuzzed descriptor address without writing one
        uint8_t a[4];
        put_be32(a, uint32_t(in.gpa()));
        cfg.pio_write(0x518, a, 4, vcpu);
        break;
      }
      default: vireo_fuzz::guest_fill(in, m); break;
    }
  }
  return 0;
}
