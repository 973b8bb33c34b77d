// Randomised stress harness for the backdoor device (no libFuzzer in g++ 12): a fake vCPU
// with random register states issues random command sequences on 0x5658/0x5659, biased
// towards valid channels and cookies so deep GuestRPC states are reached; HB transfers
// stream through the I/O data area as KVM delivers string I/O (one OUTS byte per exit,
// INS in chunks) and, for the hypercall-style whole copy, use random guest-virtual
// addresses including ones outside guest RAM and unmapped ones;
// the host side sets clipboard text, pushes mouse events, checkpoints and fails channels.
//
// Checked: no crash, no sanitizer report (build with ASan+UBSan or TSan), every message
// handed to the handler is <= 64 KiB, the channel buffers stay within their bound, and
// live host heap (counted in operator new/delete) stays under a fixed ceiling.
//
// Usage: backdoor_fuzz <iterations> [seed] [--host-thread]
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>

#include "../../src/devices/backdoor.h"
#include "../fake_vcpu.h"

using namespace vireo;

// ---- live heap accounting ------------------------------------------------------------
static std::atomic<long long> g_live{0};
void* operator new(size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_live.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void operator delete(void* p) noexcept {
  if (!p) return;
  g_live.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace {

struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
  }
  uint32_t u32() { return uint32_t(next() >> 32); }
  uint32_t below(uint32_t n) { return n ? u32() % n : 0; }
  bool chance(unsigned percent) { return below(100) < percent; }
};

[[noreturn]] void fail(const char* what, uint64_t iter) {
  std::fprintf(stderr, "backdoor_fuzz: FAIL at iteration %llu: %s\n",
               static_cast<unsigned long long>(iter), what);
  std::abort();
}

uint64_t g_iter = 0;

struct Handler : GuestRpcHandler, ClipboardSink, MouseModeSink {
  Rng rng{0x9E3779B97F4A7C15ULL};
  uint64_t messages = 0;
  std::string on_message(unsigned channel, bool, uint32_t session, const std::string& msg) override {
    ++messages;
    if (msg.size() > bdoor::kMaxMessage) fail("message over 64 KiB reached the handler", g_iter);
    if (channel >= GuestRpc::kMaxChannels || session == 0) fail("bad channel/session", g_iter);
    switch (rng.below(16)) {
      case 0: return std::string();
      case 1: return std::string(bdoor::kMaxMessage + 1 + rng.below(64), 'R');  // oversized
      case 2: return std::string(rng.below(bdoor::kMaxMessage + 1), 'r');
      default: return std::string(rng.below(40), 'x');
    }
  }
  void on_close(unsigned channel, bool, uint32_t) override {
    if (channel >= GuestRpc::kMaxChannels) fail("bad channel closed", g_iter);
  }
  void on_guest_clipboard(std::string text) override {
    if (text.size() > bdoor::kMaxSelection) fail("clipboard over the limit", g_iter);
  }
  void on_vmmouse_mode(bool, bool) override {}
};

struct Known {  // channels as a well-behaved guest would remember them
  uint32_t id = 0, hi = 0, lo = 0;
};

constexpr uint64_t kRamSize = 1 << 20;
constexpr uint64_t kHighBase = 0x100000000ULL;  // a second region above 4 GiB

const uint16_t kInteresting[] = {
    bdoor::kGetMhz, bdoor::kGetPtrLocation, bdoor::kSetPtrLocation, bdoor::kGetSelLength,
    bdoor::kGetNextPiece, bdoor::kSetSelLength, bdoor::kSetNextPiece, bdoor::kGetVersion,
    bdoor::kGetGuiOptions, bdoor::kGetScreenSize, bdoor::kGetHwVersion, bdoor::kGetUuid,
    bdoor::kGetTime, bdoor::kStopCatchup, bdoor::kMessage, bdoor::kMessage, bdoor::kMessage,
    bdoor::kMessage, bdoor::kIsMouseAbsolute, bdoor::kAbsPointerData, bdoor::kAbsPointerStatus,
    bdoor::kAbsPointerCommand, bdoor::kAbsPointerRestrict, bdoor::kGetHz, bdoor::kGetTimeFull,
    bdoor::kGetTimeFullWithLag, bdoor::kNestingControl, bdoor::kGetVcpuInfo,
    bdoor::kMksGuestStats, bdoor::kStealClock, bdoor::kGetBuildNum};
const uint32_t kMouseCmds[] = {bdoor::kMouseCmdEnable, bdoor::kMouseCmdDisable,
                               bdoor::kMouseCmdAbsolute, bdoor::kMouseCmdRelative, 0x1234};

void host_step(Backdoor& bd, Rng& rng) {
  switch (rng.below(8)) {
    case 0: bd.clipboard().set_host_text(std::string(rng.below(70000), char(0x80 | rng.below(64)))); break;
    case 1: bd.clipboard().set_policy(rng.chance(70), rng.chance(70)); break;
    case 2: bd.mouse().push_absolute(rng.u32(), uint16_t(rng.u32()), uint16_t(rng.u32()), int8_t(rng.u32())); break;
    case 3: bd.mouse().push_relative(rng.u32(), int32_t(rng.u32()), int32_t(rng.u32()), 0); break;
    case 4: if (rng.chance(5)) bd.rpc().checkpoint(); break;
    case 5: if (rng.chance(2)) bd.rpc().fail_all(); break;
    case 6: bd.host().set_tsc_khz(rng.chance(50) ? rng.next() >> rng.below(64) : 0); break;
    default: bd.host().set_pointer(rng.chance(50), int16_t(rng.u32()), int16_t(rng.u32())); break;
  }
}

uint64_t random_gva(Rng& rng) {
  switch (rng.below(6)) {
    case 0: return rng.below(kRamSize);                        // inside low RAM
    case 1: return kRamSize - rng.below(64);                   // straddles the end
    case 2: return kHighBase + rng.below(0x3000) - 0x800;      // around the high region
    case 3: return rng.next();                                 // anywhere
    case 4: return ~0ULL - rng.below(64);                      // wraps
    default: return (rng.below(256) << 12) + 4096 - rng.below(8);  // page crossings
  }
}

// One well-formed LB command-30 call on a remembered channel; returns ECX[31:16].
uint16_t msg_call(Backdoor& bd, vireo_test::FakeVcpu& vcpu, const Known& k, uint16_t type,
                  uint32_t ebx) {
  Regs& r = vcpu.regs_;
  r.rax = bdoor::kMagic;
  r.rbx = ebx;
  r.rcx = (uint32_t(type) << 16) | bdoor::kMessage;
  r.rdx = (uint64_t(k.id) << 16) | bdoor::kPortLb;
  r.rsi = k.hi;
  r.rdi = k.lo;
  uint8_t data[4];
  bd.pio_read(bdoor::kPortLb, data, 4, vcpu);
  return uint16_t(uint32_t(r.rcx) >> 16);
}

// A whole send (LB words or one HB transfer) then a whole receive, as open-vm-tools
// does it, with a random chance of stopping early at every step.
void conversation(Backdoor& bd, vireo_test::FakeVcpu& vcpu, Known& k, Rng& rng) {
  Regs& r = vcpu.regs_;
  if (rng.chance(20)) {
    msg_call(bd, vcpu, k, bdoor::kMsgClose, 0);  // the table fills up otherwise
    const uint32_t proto = rng.chance(50) ? bdoor::kProtoRpci : bdoor::kProtoTclo;
    if (msg_call(bd, vcpu, k, bdoor::kMsgOpen, proto | bdoor::kFlagCookie) == bdoor::kStSuccess)
      k = Known{uint32_t(r.rdx >> 16), uint32_t(r.rsi), uint32_t(r.rdi)};
  }
  const uint32_t n = rng.chance(97) ? rng.below(200) : rng.below(bdoor::kMaxMessage + 8);
  if (!(msg_call(bd, vcpu, k, bdoor::kMsgSendSize, n) & bdoor::kStSuccess)) return;
  if (rng.chance(30)) {  // `rep outsb` as KVM delivers it: RCX already past each byte
    r.rax = bdoor::kMagic;
    r.rbx = 0x00010000;
    r.rcx = rng.chance(90) ? n : rng.below(n + 8);
    r.rdx = (uint64_t(k.id) << 16) | bdoor::kPortHb;
    r.rsi = random_gva(rng);
    r.rdi = k.lo;
    r.rbp = k.hi;
    while (uint32_t(r.rcx) != 0) {
      if (rng.chance(1)) return;  // the guest faulted mid-`rep`
      r.rcx = uint32_t(r.rcx) - 1;
      uint8_t b = uint8_t(rng.u32());
      bd.pio_write(bdoor::kPortHb, &b, 1, vcpu);
    }
  } else if (rng.chance(10)) {  // whole-payload copy (hypercall transport)
    r.rax = bdoor::kMagic;
    r.rbx = 0x00010000;
    r.rcx = rng.chance(90) ? n : rng.below(n + 8);
    r.rdx = (uint64_t(k.id) << 16) | bdoor::kPortHb;
    r.rsi = random_gva(rng);
    r.rdi = k.lo;
    r.rbp = k.hi;
    bd.hb_copy(vcpu, true);
  } else {
    for (uint32_t i = 0; i < n; i += 4) {
      if (rng.chance(1)) return;
      msg_call(bd, vcpu, k, bdoor::kMsgSendPayload, rng.u32());
    }
  }
  if (!(msg_call(bd, vcpu, k, bdoor::kMsgRecvSize, 0) & bdoor::kStDoRecv)) return;
  const uint32_t len = uint32_t(r.rbx);
  if (len > bdoor::kMaxMessage) fail("RECVSIZE over 64 KiB", g_iter);
  if (rng.chance(30)) {  // `rep insb` in chunks, RCX/RDI before each chunk
    r.rax = bdoor::kMagic;
    r.rbx = 0x00010000;
    r.rcx = rng.chance(90) ? len : rng.below(len + 8);
    r.rdx = (uint64_t(k.id) << 16) | bdoor::kPortHb;
    r.rsi = k.hi;
    r.rdi = random_gva(rng);
    r.rbp = k.lo;
    while (uint32_t(r.rcx) != 0) {
      if (rng.chance(1)) return;
      const uint32_t c = 1 + rng.below(std::min<uint32_t>(uint32_t(r.rcx), 1024));
      uint8_t data[1024];
      for (uint32_t i = 0; i < c; ++i) bd.pio_read(bdoor::kPortHb, &data[i], 1, vcpu);
      r.rcx = uint32_t(r.rcx) - c;
      r.rdi += c;
    }
  } else if (rng.chance(10)) {
    r.rax = bdoor::kMagic;
    r.rbx = 0x00010000;
    r.rcx = len;
    r.rdx = (uint64_t(k.id) << 16) | bdoor::kPortHb;
    r.rsi = k.hi;
    r.rdi = random_gva(rng);
    r.rbp = k.lo;
    bd.hb_copy(vcpu, false);
  } else {
    for (uint32_t i = 0; i < len; i += 4) {
      if (rng.chance(1)) return;
      msg_call(bd, vcpu, k, bdoor::kMsgRecvPayload, 1);
    }
  }
  msg_call(bd, vcpu, k, bdoor::kMsgRecvStatus, rng.chance(90));
  if (rng.chance(10)) msg_call(bd, vcpu, k, bdoor::kMsgClose, 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <iterations> [seed] [--host-thread]\n", argv[0]);
    return 2;
  }
  const uint64_t iterations = std::strtoull(argv[1], nullptr, 0);
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : 1;
  const bool host_thread = argc > 3 && std::strcmp(argv[3], "--host-thread") == 0;

  GuestMemory mem;
  if (!mem.add_region(0, kRamSize, false).ok() || !mem.add_region(kHighBase, 0x2000, false).ok())
    fail("guest memory", 0);
  vireo_test::FakeVcpu vcpu(mem);
  Rng rng{seed * 0x9E3779B97F4A7C15ULL | 1};
  unsigned translate_mode = 0;
  vcpu.translator = [&](uint64_t gva, bool, uint64_t* gpa) {
    switch (translate_mode) {
      case 0: *gpa = gva; return true;                    // identity
      case 1: *gpa = gva ^ 0x5000; return true;           // shuffled pages
      case 2: *gpa = gva + kHighBase; return true;        // mostly outside RAM
      default: return (gva & 0x3000) != 0x3000 && (*gpa = gva, true);  // holes
    }
  };
  Handler handler;
  BackdoorConfig cfg;
  cfg.advertise_hb = true;
  cfg.cookie_seed = seed;
  Backdoor bd(cfg, &handler, &handler, &handler);
  bd.host().set_tsc_khz(2400000);
  const long long heap_base = g_live.load();
  // Channels (32 x (64 KiB in + 64 KiB out)), clipboard (2 x 64 KiB) and slack.
  const long long heap_ceiling = GuestRpc::kMaxChannels * 2LL * (bdoor::kMaxMessage + 4096) +
                                 4LL * (bdoor::kMaxMessage + 4096) + (1 << 20);

  std::atomic<bool> stop{false};
  std::thread host;
  if (host_thread) {
    host = std::thread([&] {
      Rng hr{seed ^ 0xABCDEF};
      while (!stop.load(std::memory_order_relaxed)) host_step(bd, hr);
    });
  }

  Known known[4];
  for (g_iter = 0; g_iter < iterations; ++g_iter) {
    Regs& r = vcpu.regs_;
    r.rax = rng.chance(95) ? bdoor::kMagic : rng.next();
    r.rbx = rng.next();
    r.rcx = rng.next();
    r.rdx = rng.next();
    r.rsi = rng.next();
    r.rdi = rng.next();
    r.rbp = rng.next();
    r.rflags = rng.chance(90) ? 0x2 : rng.next();
    vcpu.cpl_value = rng.chance(70) ? 0 : 3;
    translate_mode = rng.below(4);
    Known& k = known[rng.below(4)];
    const unsigned action = rng.below(100);

    if (action < 10) {  // a well-formed exchange on a remembered channel
      conversation(bd, vcpu, k, rng);
    } else if (action < 70) {  // LB call
      uint16_t cmd = rng.chance(90) ? kInteresting[rng.below(sizeof kInteresting / 2)] : uint16_t(rng.u32());
      uint16_t type = uint16_t(rng.chance(90) ? rng.below(7) : rng.u32());
      r.rcx = (uint64_t(type) << 16) | cmd;
      if (cmd == bdoor::kMessage && rng.chance(85)) {
        r.rdx = (uint64_t(k.id) << 16) | bdoor::kPortLb;
        r.rsi = k.hi;
        r.rdi = k.lo;
        if (type == bdoor::kMsgOpen)
          r.rbx = (rng.chance(50) ? bdoor::kProtoRpci : bdoor::kProtoTclo) | (rng.chance(80) ? bdoor::kFlagCookie : 0);
        else if (type == bdoor::kMsgSendSize)
          r.rbx = rng.chance(80) ? rng.below(64) : rng.below(2 * bdoor::kMaxMessage);
        else if (type == bdoor::kMsgRecvStatus)
          r.rbx = rng.below(2);
      }
      if (cmd == bdoor::kAbsPointerCommand) r.rbx = kMouseCmds[rng.below(5)];
      if (cmd == bdoor::kAbsPointerData) r.rbx = rng.below(9);
      if (cmd == bdoor::kSetSelLength && rng.chance(80)) r.rbx = rng.below(64);
      const uint32_t eax_in = uint32_t(r.rax);
      const Regs in = r;
      uint8_t data[4];
      if (rng.chance(90)) bd.pio_read(bdoor::kPortLb, data, 4, vcpu);
      else bd.pio_write(bdoor::kPortLb, data, 4, vcpu);
      if (cmd == bdoor::kMessage && type == bdoor::kMsgOpen && eax_in == bdoor::kMagic &&
          (uint32_t(r.rcx) >> 16) == bdoor::kStSuccess) {
        if (r.rdx & 0xFFFF) fail("OPEN left EDX[15:0] non-zero", g_iter);
        k.id = uint32_t(r.rdx >> 16);
        k.hi = uint32_t(r.rsi);
        k.lo = uint32_t(r.rdi);
      }
      if (eax_in != bdoor::kMagic &&
          (vcpu.dirty || r.rbx != in.rbx || r.rcx != in.rcx || r.rdx != in.rdx ||
           r.rsi != in.rsi || r.rdi != in.rdi || r.rbp != in.rbp))
        fail("a call with bad magic changed registers", g_iter);
    } else if (action < 85) {  // HB transfer
      const bool send = rng.chance(50);
      r.rbx = rng.chance(90) ? 0x00010000 : rng.next();
      r.rcx = rng.chance(80) ? rng.below(80) : rng.next();
      r.rdx = (uint64_t(k.id) << 16) | bdoor::kPortHb;
      const uint64_t gva = random_gva(rng);
      if (send) {
        r.rsi = gva;
        r.rdi = k.lo;
        r.rbp = k.hi;
      } else {
        r.rsi = k.hi;
        r.rdi = gva;
        r.rbp = k.lo;
      }
      const Regs in = r;
      uint8_t b = uint8_t(rng.u32());
      if (rng.chance(50)) bd.hb_copy(vcpu, send);
      else if (send) bd.pio_write(bdoor::kPortHb, &b, 1, vcpu);
      else bd.pio_read(bdoor::kPortHb, &b, 1, vcpu);
      // Whenever the device answers (registers written), EBX is status << 16.
      if (vcpu.dirty && (r.rbx & 0xFFFFFFFF0000FFFFULL) != 0)
        fail("HB status is not status << 16", g_iter);
      if (uint32_t(in.rax) != bdoor::kMagic && vcpu.dirty) fail("HB with bad magic answered", g_iter);
    } else if (!host_thread) {
      host_step(bd, rng);
    }
    vcpu.dirty = false;

    if ((g_iter & 1023) == 0) {
      if (bd.rpc().buffered_bytes() > GuestRpc::kMaxChannels * 2 * (bdoor::kMaxMessage + 64))
        fail("channel buffers over their bound", g_iter);
      if (g_live.load() - heap_base > heap_ceiling) fail("live heap over the ceiling", g_iter);
    }
  }
  stop = true;
  if (host.joinable()) host.join();
  std::printf("backdoor_fuzz: %llu iterations, seed %llu, %llu messages, %u channels open, "
              "bounds ok, live heap %lld bytes\n",
              static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(handler.messages), bd.rpc().open_channels(),
              g_live.load() - heap_base);
  return 0;
}
