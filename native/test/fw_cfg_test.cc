#include "devices/legacy/fw_cfg.h"

#include <cstring>
#include <string>

#include "check.h"
#include "core/guest_memory.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {
constexpr uint32_t kRead = 0x02, kSkip = 0x04, kSelect = 0x08, kWrite = 0x10;

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  FwCfg fw;
  PioBus bus;
  Rig() {
    mem.add_region(0, 0x10000, false);
    mem.add_region(0x10000, 0x10000, false);  // adjacent region: DMA may span both
    mem.add_region(0x40000, 0x1000, true);    // ROM: DMA into it must fail
    bus.add(FwCfg::kBasePort, FwCfg::kPortCount, &fw, "fw_cfg");
  }
  void select(uint16_t sel) {
    uint8_t b[2] = {uint8_t(sel), uint8_t(sel >> 8)};
    bus.write(0x510, b, 2, vcpu);
  }
  std::string read(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
      uint8_t v = 0xAA;
      bus.read(0x511, &v, 1, vcpu);
      s.push_back(static_cast<char>(v));
    }
    return s;
  }
  void out_be32(uint16_t port, uint32_t v) {
    uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    bus.write(port, b, 4, vcpu);
  }
  // Writes a descriptor at `at` and starts it through 0x514/0x518; returns its control.
  uint32_t dma(uint64_t at, uint32_t control, uint32_t length, uint64_t address) {
    uint8_t d[16];
    for (int i = 0; i < 4; ++i) d[i] = uint8_t(control >> (24 - 8 * i));
    for (int i = 0; i < 4; ++i) d[4 + i] = uint8_t(length >> (24 - 8 * i));
    for (int i = 0; i < 8; ++i) d[8 + i] = uint8_t(address >> (56 - 8 * i));
    mem.write(at, d, 16);
    out_be32(0x514, uint32_t(at >> 32));
    out_be32(0x518, uint32_t(at));
    uint8_t c[4];
    mem.read(at, c, 4);
    return uint32_t(c[0]) << 24 | uint32_t(c[1]) << 16 | uint32_t(c[2]) << 8 | c[3];
  }
};

std::vector<uint8_t> bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }
}  // namespace

TEST(fw_cfg_signature_id_and_unknown_items) {
  Rig r;
  r.select(0x0000);
  CHECK(r.read(6) == std::string("QEMU\0\0", 6));  // past the end: zeros
  r.select(0x0001);
  CHECK(r.read(4) == std::string("\x03\0\0\0", 4));
  for (uint16_t sel : {0x0E, 0x0F, 0x0D, 0x8000, 0x8001, 0x8003, 0x3FFF, 0xFFFF}) {
    r.select(sel);
    CHECK(r.read(4) == std::string(4, '\0'));
  }
  uint8_t sig[8];
  r.bus.read(0x514, sig, 8, r.vcpu);
  CHECK(std::memcmp(sig, "QEMU CFG", 8) == 0);
  uint8_t b = 0;
  r.bus.read(0x518, &b, 1, r.vcpu);
  CHECK_EQ(b, ' ');
}

TEST(fw_cfg_items_little_endian_and_reserved_selectors) {
  Rig r;
  CHECK(r.fw.add_u16(0x05, 2).ok());
  CHECK(r.fw.add_u32(0x8002, 0x11223344).ok());
  CHECK(r.fw.add_u64(0x0D, 0x0102030405060708ull).ok());
  CHECK(!r.fw.add_u16(0x00, 1).ok());
  CHECK(!r.fw.add_u16(0x01, 1).ok());
  CHECK(!r.fw.add_u16(0x19, 1).ok());
  CHECK(!r.fw.add_u16(0x20, 1).ok());
  CHECK(!r.fw.add_u16(0x4005, 1).ok());
  r.select(0x05);
  CHECK(r.read(3) == std::string("\x02\0\0", 3));
  r.select(0x8002);
  CHECK(r.read(4) == "\x44\x33\x22\x11");
  r.select(0x0D);
  CHECK(r.read(8) == "\x08\x07\x06\x05\x04\x03\x02\x01");
  // A byte write to the selector port is not a selection; the offset keeps going.
  r.select(0x05);
  r.read(1);
  uint8_t one = 0x00;
  r.bus.write(0x510, &one, 1, r.vcpu);
  CHECK(r.read(1) == std::string("\0", 1));
  CHECK(r.read(1) == std::string("\0", 1));
  // 8-bit reads at 0x510 also return data.
  r.select(0x05);
  uint8_t v = 0;
  r.bus.read(0x510, &v, 1, r.vcpu);
  CHECK_EQ(v, 2);
}

TEST(fw_cfg_file_directory_sorted_big_endian) {
  Rig r;
  CHECK(r.fw.add_file("etc/e820", bytes("0123456789abcdefghij")).ok());
  CHECK(r.fw.add_file("genroms/linuxboot_dma.bin", bytes("ROM")).ok());
  CHECK(r.fw.add_file("bootorder", bytes("/rom@genroms/linuxboot_dma.bin\n")).ok());
  CHECK(!r.fw.add_file("", {}).ok());
  CHECK(!r.fw.add_file(std::string(56, 'x'), {}).ok());
  CHECK(r.fw.add_file(std::string(55, 'z'), bytes("Z")).ok());
  CHECK_EQ(r.fw.file_selector("bootorder"), 0x20);
  CHECK_EQ(r.fw.file_selector("etc/e820"), 0x21);
  CHECK_EQ(r.fw.file_selector("genroms/linuxboot_dma.bin"), 0x22);
  CHECK_EQ(r.fw.file_selector("nope"), 0);
  r.select(0x19);
  std::string dir = r.read(4 + 4 * 64);
  CHECK(dir.substr(0, 4) == std::string("\0\0\0\x04", 4));
  std::string e1 = dir.substr(4 + 64, 64);  // etc/e820
  CHECK(e1.substr(0, 4) == std::string("\0\0\0\x14", 4));
  CHECK(e1.substr(4, 4) == std::string("\0\x21\0\0", 4));
  CHECK(e1.substr(8, 9) == std::string("etc/e820\0", 9));
  std::string e3 = dir.substr(4 + 3 * 64, 64);  // the 55-byte name, NUL-terminated
  CHECK(e3.substr(8, 56) == std::string(55, 'z') + std::string(1, '\0'));
  r.select(0x21);
  CHECK(r.read(4) == "0123");
  r.select(0x4021);  // the write-channel bit is ignored for reads
  CHECK(r.read(2) == "01");
  r.select(0x20 + 4);  // one past the last file
  CHECK(r.read(2) == std::string(2, '\0'));
  // Replacing a file keeps the count.
  CHECK(r.fw.add_file("etc/e820", bytes("xy")).ok());
  r.select(0x19);
  CHECK(r.read(4) == std::string("\0\0\0\x04", 4));
}

TEST(fw_cfg_dma_select_read_skip_and_zero_fill) {
  Rig r;
  CHECK(r.fw.add_file("etc/e820", bytes("0123456789")).ok());
  uint32_t sel = uint32_t(r.fw.file_selector("etc/e820")) << 16;
  std::vector<uint8_t> junk(32, 0xCC);
  r.mem.write(0x2000, junk.data(), junk.size());
  CHECK_EQ(r.dma(0x1000, sel | kSelect | kRead, 4, 0x2000), 0u);
  char got[16] = {};
  r.mem.read(0x2000, got, 4);
  CHECK(std::string(got, 4) == "0123");
  CHECK_EQ(r.dma(0x1000, kSkip, 2, 0), 0u);
  CHECK_EQ(r.dma(0x1000, kRead, 8, 0x2000), 0u);  // 4 bytes left, then zeros
  r.mem.read(0x2000, got, 9);
  CHECK(std::string(got, 9) == std::string("6789\0\0\0\0\xCC", 9));
  // A select-only descriptor resets the offset; PIO continues where DMA stopped.
  CHECK_EQ(r.dma(0x1000, sel | kSelect, 0, 0), 0u);
  CHECK_EQ(r.dma(0x1000, kRead, 3, 0x2000), 0u);
  CHECK(r.read(2) == "34");
  // 64-bit write at 0x514 starts a transfer too.
  r.fw.add_u16(0x05, 0x0201);
  uint8_t d[16] = {0, 0x05, 0, kSelect | kRead, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0x30, 0x00};
  r.mem.write(0x1000, d, 16);
  uint8_t addr[8] = {0, 0, 0, 0, 0, 0, 0x10, 0x00};
  r.bus.write(0x514, addr, 8, r.vcpu);
  uint8_t out[2] = {};
  r.mem.read(0x3000, out, 2);
  CHECK_EQ(out[0], 1);
  CHECK_EQ(out[1], 2);
}

TEST(fw_cfg_dma_spans_adjacent_regions) {
  Rig r;
  std::vector<uint8_t> blob(0x3000);
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = uint8_t(i * 7);
  CHECK(r.fw.add_file("big", blob).ok());
  uint32_t sel = uint32_t(r.fw.file_selector("big")) << 16;
  CHECK_EQ(r.dma(0x100, sel | kSelect | kRead, 0x3000, 0xF800), 0u);
  std::vector<uint8_t> back(0x3000);
  CHECK(r.mem.read(0xF800, back.data(), 0x800));
  CHECK(r.mem.read(0x10000, back.data() + 0x800, 0x2800));
  CHECK(back == blob);
}

TEST(fw_cfg_dma_hostile_descriptors) {
  Rig r;
  CHECK(r.fw.add_file("f", bytes("abc")).ok());
  uint32_t sel = uint32_t(r.fw.file_selector("f")) << 16;
  // Destination outside guest memory, wrapping, into ROM, or running off the end.
  CHECK_EQ(r.dma(0x1000, sel | kSelect | kRead, 3, 0x30000), 1u);
  CHECK_EQ(r.dma(0x1000, sel | kSelect | kRead, 0x100, 0xFFFFFFFFFFFFFF00ull), 1u);
  CHECK_EQ(r.dma(0x1000, sel | kSelect | kRead, 3, 0x40000), 1u);
  CHECK_EQ(r.dma(0x1000, sel | kSelect | kRead, 0xFFFFFFFFu, 0x1F000), 1u);
  uint8_t tail[4] = {};
  r.mem.read(0x1F000, tail, 4);
  CHECK_EQ(tail[0], 'a');  // written up to the end of RAM, then the error bit
  CHECK_EQ(tail[3], 0);
  // Writes are refused with the error bit; unknown selectors read as zeros.
  CHECK_EQ(r.dma(0x1000, sel | kSelect | kWrite, 3, 0x2000), 1u);
  CHECK_EQ(r.dma(0x1000, (0x7FFFu << 16) | kSelect | kRead, 16, 0x2000), 0u);
  // Descriptor outside guest memory (or straddling its end): ignored, nothing crashes.
  r.out_be32(0x514, 0xFFFFFFFF);
  r.out_be32(0x518, 0xFFFFFFF8);
  r.out_be32(0x514, 0);
  r.out_be32(0x518, 0x1FFF8);
  // The high half resets after each transfer.
  CHECK_EQ(r.dma(0x1000, sel | kSelect | kRead, 1, 0x2000), 0u);
}
