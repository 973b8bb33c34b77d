// The tracer's port I/O emulation (native/tools/bdtrace/port_io.h): the exits KVM would
// give for IN/OUT/INS/OUTS, against a recording device, and a whole HB round trip of the
// real backdoor device across pages.
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "../tools/bdtrace/port_io.h"
#include "check.h"
#include "devices/vmware/backdoor.h"
#include "fake_vcpu.h"

using namespace bdtrace;
using namespace vireo;

namespace {

// Process memory: [base, base + size) readable and writable, everything else unmapped.
struct FakeMemory : ProcessMemory {
  uint64_t base;
  std::vector<uint8_t> bytes;
  FakeMemory(uint64_t b, size_t n) : base(b), bytes(n) {}
  size_t span(uint64_t addr, size_t n) const {
    if (addr < base || addr >= base + bytes.size()) return 0;
    return std::min<uint64_t>(n, base + bytes.size() - addr);
  }
  size_t read(uint64_t addr, void* dst, size_t n) override {
    size_t k = span(addr, n);
    if (k) std::memcpy(dst, &bytes[addr - base], k);
    return k;
  }
  size_t write(uint64_t addr, const void* src, size_t n) override {
    size_t k = span(addr, n);
    if (k) std::memcpy(&bytes[addr - base], src, k);
    return k;
  }
};

// Records each access with the registers the device saw.
struct Recorder : PioDevice {
  struct Access {
    bool write;
    uint16_t port;
    unsigned size;
    uint32_t value;
    uint64_t rcx, rsi, rdi;
  };
  std::vector<Access> log;
  uint32_t next_in = 0x10;
  void pio_read(uint16_t port, uint8_t* data, unsigned size, VcpuContext& v) override {
    uint32_t val = next_in++;
    std::memcpy(data, &val, size);
    log.push_back({false, port, size, val, v.regs().rcx, v.regs().rsi, v.regs().rdi});
  }
  void pio_write(uint16_t port, const uint8_t* data, unsigned size, VcpuContext& v) override {
    uint32_t val = 0;
    std::memcpy(&val, data, size);
    log.push_back({true, port, size, val, v.regs().rcx, v.regs().rsi, v.regs().rdi});
  }
};

Insn dec(std::initializer_list<uint8_t> b) {
  std::vector<uint8_t> v(b);
  return decode(v.data(), v.size());
}

struct Rig {
  GuestMemory none;
  vireo_test::FakeVcpu vcpu{none};
  Recorder dev;
  PioBus bus;
  FakeMemory mem{0x10000, 3 * 4096};
  Rig() { bus.add(0x5658, 2, &dev, "backdoor"); }
};

}  // namespace

TEST(port_io_in_out_and_foreign_ports) {
  Rig r;
  r.vcpu.regs_.rax = 0xFFFFFFFF12345678ull;
  r.vcpu.regs_.rdx = 0x5658;
  r.vcpu.regs_.rip = 0x1000;
  CHECK(run_port_io(dec({0xED}), r.bus, r.vcpu, r.mem, 0) == IoResult::kDone);
  CHECK_EQ(r.vcpu.regs_.rax, 0x10ull);  // EAX zero-extends
  CHECK_EQ(r.vcpu.regs_.rip, 0x1001ull);
  r.vcpu.regs_.rax = 0xAABBCCDD;
  CHECK(run_port_io(dec({0xEC}), r.bus, r.vcpu, r.mem, 0) == IoResult::kDone);
  CHECK_EQ(r.vcpu.regs_.rax, 0xAABBCC11ull);  // AL only
  CHECK(run_port_io(dec({0x66, 0xEF}), r.bus, r.vcpu, r.mem, 0) == IoResult::kDone);
  CHECK_EQ(r.dev.log.back().value, 0xCC11u);
  CHECK_EQ(r.dev.log.back().size, 2u);
  // Only 0x5658/0x5659 pass (KVM's enable_vmware_backdoor rule); the rest stay #GP.
  r.vcpu.regs_.rdx = 0x5657;
  const uint64_t rip = r.vcpu.regs_.rip;
  CHECK(run_port_io(dec({0xED}), r.bus, r.vcpu, r.mem, 0) == IoResult::kNotOurs);
  CHECK(run_port_io(dec({0xE5, 0x58}), r.bus, r.vcpu, r.mem, 0) == IoResult::kNotOurs);
  CHECK_EQ(r.vcpu.regs_.rip, rip);
}

TEST(port_io_outs_one_exit_per_element_registers_past_it) {
  Rig r;
  for (unsigned i = 0; i < 5; ++i) r.mem.bytes[4094 + i] = uint8_t(0xA0 + i);  // across a page
  r.vcpu.regs_.rdx = 0x5659;
  r.vcpu.regs_.rsi = 0x10000 + 4094;
  r.vcpu.regs_.rcx = 5;
  r.vcpu.regs_.rip = 0x2000;
  CHECK(run_port_io(dec({0xF3, 0x6E}), r.bus, r.vcpu, r.mem, 0) == IoResult::kDone);
  CHECK_EQ(r.dev.log.size(), size_t(5));
  for (unsigned i = 0; i < 5; ++i) {
    CHECK_EQ(r.dev.log[i].value, 0xA0u + i);
    CHECK_EQ(r.dev.log[i].rcx, uint64_t(4 - i));
    CHECK_EQ(r.dev.log[i].rsi, 0x10000ull + 4095 + i);
  }
  CHECK_EQ(r.vcpu.regs_.rcx, 0ull);
  CHECK_EQ(r.vcpu.regs_.rip, 0x2002ull);
}

TEST(port_io_outs_fault_and_early_stop) {
  Rig r;
  r.vcpu.regs_.rdx = 0x5659;
  r.vcpu.regs_.rsi = 0x10000 + 3 * 4096 - 2;  // 2 readable bytes, then unmapped
  r.vcpu.regs_.rcx = 4;
  r.vcpu.regs_.rip = 0x3000;
  CHECK(run_port_io(dec({0xF3, 0x6E}), r.bus, r.vcpu, r.mem, 0) == IoResult::kFault);
  CHECK_EQ(r.dev.log.size(), size_t(2));
  CHECK_EQ(r.vcpu.regs_.rcx, 2ull);  // two done, as after a #PF inside the rep
  CHECK_EQ(r.vcpu.regs_.rip, 0x3000ull);
  // addr32: ESI/ECX wrap at 32 bits and the upper halves clear.
  Rig a;
  a.vcpu.regs_.rdx = 0x5659;
  a.vcpu.regs_.rsi = 0xFFFFFFFF00010000ull;
  a.vcpu.regs_.rcx = 0xFFFFFFFF00000002ull;
  CHECK(run_port_io(dec({0x67, 0xF3, 0x6E}), a.bus, a.vcpu, a.mem, 0) == IoResult::kDone);
  CHECK_EQ(a.vcpu.regs_.rsi, 0x10002ull);
  CHECK_EQ(a.vcpu.regs_.rcx, 0ull);
  CHECK_EQ(a.dev.log.size(), size_t(2));
}

TEST(port_io_ins_chunks_like_kvm_read_ahead) {
  Rig r;
  r.vcpu.regs_.rdx = 0x5659;
  r.vcpu.regs_.rdi = 0x10000 + 4096 - 10;  // 10 bytes to the page end
  r.vcpu.regs_.rcx = 2000;
  r.vcpu.regs_.rip = 0x4000;
  CHECK(run_port_io(dec({0xF3, 0x6C}), r.bus, r.vcpu, r.mem, 0) == IoResult::kDone);
  CHECK_EQ(r.dev.log.size(), size_t(2000));
  // Chunks: 10 (page end), 1024 (read-ahead buffer), 966. The device sees RCX/RDI before its chunk.
  CHECK_EQ(r.dev.log[0].rcx, 2000ull);
  CHECK_EQ(r.dev.log[9].rcx, 2000ull);
  CHECK_EQ(r.dev.log[10].rcx, 1990ull);
  CHECK_EQ(r.dev.log[10].rdi, 0x11000ull);
  CHECK_EQ(r.dev.log[1034].rcx, 966ull);
  CHECK_EQ(r.vcpu.regs_.rcx, 0ull);
  CHECK_EQ(r.vcpu.regs_.rdi, 0x10000ull + 4096 - 10 + 2000);
  CHECK_EQ(r.mem.bytes[4096 - 10], uint8_t(0x10));
  CHECK_EQ(r.mem.bytes[4096], uint8_t(0x10 + 10));
  CHECK_EQ(r.vcpu.regs_.rip, 0x4002ull);
  // A destination that ends: the bytes before it are stored, RCX/RDI count them.
  Rig f;
  f.vcpu.regs_.rdx = 0x5659;
  f.vcpu.regs_.rdi = 0x10000 + 3 * 4096 - 3;
  f.vcpu.regs_.rcx = 8;
  CHECK(run_port_io(dec({0xF3, 0x6C}), f.bus, f.vcpu, f.mem, 0) == IoResult::kFault);
  CHECK_EQ(f.vcpu.regs_.rcx, 5ull);
  CHECK_EQ(f.vcpu.regs_.rdi, 0x10000ull + 3 * 4096);
}

TEST(port_io_hb_round_trip_through_the_real_device_across_pages) {
  // An RPCI request and its 9000-byte reply over HB, as vmware-rpctool moves them.
  struct Echo : GuestRpcHandler {
    std::string last;
    std::string on_message(unsigned, bool, uint32_t, const std::string& m) override {
      last = m;
      return "1 " + std::string(9000, 'r');
    }
    void on_close(unsigned, bool, uint32_t) override {}
  } echo;
  BackdoorConfig cfg;
  cfg.cookie_seed = 7;
  Backdoor bd(cfg, &echo, nullptr, nullptr);
  GuestMemory none;
  vireo_test::FakeVcpu vcpu(none);
  PioBus bus;
  bus.add(0x5658, 2, &bd, "backdoor");
  FakeMemory mem(0x40000, 4 * 4096);
  Regs& g = vcpu.regs_;
  auto lb = [&](uint32_t ecx, uint32_t ebx, uint32_t edx) {
    g.rax = bdoor::kMagic;
    g.rbx = ebx;
    g.rcx = ecx;
    g.rdx = edx;
    CHECK(run_port_io(dec({0xED}), bus, vcpu, mem, 0) == IoResult::kDone);
  };
  lb(0x0000001E, bdoor::kProtoRpci | bdoor::kFlagCookie, 0x5658);  // OPEN
  CHECK_EQ(uint32_t(g.rcx), 0x00010000u);
  const uint32_t id = uint32_t(g.rdx) >> 16, hi = uint32_t(g.rsi), lo = uint32_t(g.rdi);
  const std::string request = "info-get guestinfo." + std::string(5000, 'k');
  std::memcpy(&mem.bytes[4096 - 100], request.data(), request.size());  // straddles pages
  g.rsi = hi;
  g.rdi = lo;
  lb(0x0001001E, uint32_t(request.size()), (id << 16) | 0x5658);  // SENDSIZE
  CHECK_EQ(uint32_t(g.rcx), 0x00810000u);                          // SUCCESS | HB, as VMware
  g.rax = bdoor::kMagic;
  g.rbx = 0x00010000;
  g.rcx = request.size();
  g.rdx = (id << 16) | 0x5659;
  g.rsi = 0x40000 + 4096 - 100;
  g.rdi = lo;
  g.rbp = hi;
  CHECK(run_port_io(dec({0xF3, 0x6E}), bus, vcpu, mem, 0) == IoResult::kDone);
  CHECK_EQ(uint32_t(g.rbx), 0x00010000u);  // exactly (OpenBSD vmt checks)
  CHECK(echo.last == request);
  g.rsi = hi;
  g.rdi = lo;
  lb(0x0003001E, 0, (id << 16) | 0x5658);  // RECVSIZE
  CHECK_EQ(uint32_t(g.rcx), 0x00830000u);  // SUCCESS | DORECV | HB
  CHECK_EQ(uint32_t(g.rbx), 9002u);
  g.rax = bdoor::kMagic;
  g.rbx = 0x00010000;
  g.rcx = 9002;
  g.rdx = (id << 16) | 0x5659;
  g.rsi = hi;
  g.rdi = 0x40000 + 100;
  g.rbp = lo;
  CHECK(run_port_io(dec({0xF3, 0x6C}), bus, vcpu, mem, 0) == IoResult::kDone);
  CHECK_EQ(uint32_t(g.rbx), 0x00010000u);
  CHECK(std::string(reinterpret_cast<char*>(&mem.bytes[100]), 9002) == "1 " + std::string(9000, 'r'));
  CHECK_EQ(bd.stats().rpc_failures(), 0ull);
}

TEST(port_io_huge_counts_end_each_stop_after_kMaxElements) {
  // A `rep` of 100000 elements is served 65536 at a time: RIP stays on the instruction,
  // RCX/RSI/RDI count what was done, and the re-executed instruction does the rest.
  for (const bool ins : {false, true}) {
    Rig r;
    FakeMemory big(0x10000, 100000);
    r.vcpu.regs_.rdx = 0x5659;
    r.vcpu.regs_.rsi = r.vcpu.regs_.rdi = 0x10000;
    r.vcpu.regs_.rcx = 100000;
    r.vcpu.regs_.rip = 0x6000;
    const Insn insn = dec({0xF3, uint8_t(ins ? 0x6C : 0x6E)});
    CHECK(run_port_io(insn, r.bus, r.vcpu, big, 0) == IoResult::kPartial);
    CHECK_EQ(r.vcpu.regs_.rcx, 100000ull - kMaxElements);
    CHECK_EQ(ins ? r.vcpu.regs_.rdi : r.vcpu.regs_.rsi, 0x10000ull + kMaxElements);
    CHECK_EQ(r.vcpu.regs_.rip, 0x6000ull);
    CHECK(run_port_io(insn, r.bus, r.vcpu, big, 0) == IoResult::kDone);
    CHECK_EQ(r.vcpu.regs_.rcx, 0ull);
    CHECK_EQ(r.vcpu.regs_.rip, 0x6002ull);
    CHECK_EQ(r.dev.log.size(), size_t(100000));
  }
}
