// libFuzzer target for the VMware backdoor (native/src/devices/vmware/backdoor*.cc) and its
// GuestRPC channels (guest_rpc.*): the input is a program of LB calls on 0x5658 with
// fuzzed registers (biased towards the known commands and the channels and cookies a
// guest remembers from OPEN), HB transfers on 0x5659 as KVM delivers string I/O (one
// OUTS byte per exit; INS in chunks) and as the whole-payload copy, at guest-virtual
// addresses in RAM, holes, ROM, across pages and wrapping, with four address
// translations (identity, shuffled pages, mostly outside RAM, unmapped holes); whole
// conversations (open, send, receive, status, close) as open-vm-tools runs them; and
// host-side events (clipboard, mouse, checkpoint, channel failure, TSC frequency).
// Checked by ASan/UBSan and: no message over 64 KiB reaches the handler, RECVSIZE never
// announces more than 64 KiB, a call with a bad magic changes no register, HB answers
// EBX = status << 16, and the channel buffers stay within their bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "../fake_vcpu.h"
#include "devices/vmware/backdoor.h"
#include "fuzz_guest.h"

using namespace vireo;

namespace {

struct Handler : GuestRpcHandler, ClipboardSink, MouseModeSink {
  uint32_t reply_size = 8;  // set by the input: the host's next answer
  std::string on_message(unsigned channel, bool, uint32_t session, const std::string& msg) override {
    if (msg.size() > bdoor::kMaxMessage) std::abort();
    if (channel >= GuestRpc::kMaxChannels || session == 0) std::abort();
    return std::string(reply_size, 'r');
  }
  void on_close(unsigned channel, bool, uint32_t) override {
    if (channel >= GuestRpc::kMaxChannels) std::abort();
  }
  void on_guest_clipboard(std::string text) override {
    if (text.size() > bdoor::kMaxSelection) std::abort();
  }
  void on_vmmouse_mode(bool, bool) override {}
};

struct Known {  // a channel as a well-behaved guest remembers it
  uint32_t id = 0, hi = 0, lo = 0;
};

constexpr uint16_t kCommands[] = {
    bdoor::kGetMhz, bdoor::kGetPtrLocation, bdoor::kSetPtrLocation, bdoor::kGetSelLength,
    bdoor::kGetNextPiece, bdoor::kSetSelLength, bdoor::kSetNextPiece, bdoor::kGetVersion,
    bdoor::kGetGuiOptions, bdoor::kGetScreenSize, bdoor::kGetHwVersion, bdoor::kGetUuid,
    bdoor::kGetTime, bdoor::kStopCatchup, bdoor::kMessage, bdoor::kIsMouseAbsolute,
    bdoor::kAbsPointerData, bdoor::kAbsPointerStatus, bdoor::kAbsPointerCommand,
    bdoor::kAbsPointerRestrict, bdoor::kGetHz, bdoor::kGetTimeFull, bdoor::kGetTimeFullWithLag,
    bdoor::kNestingControl, bdoor::kGetVcpuInfo, bdoor::kMksGuestStats, bdoor::kStealClock,
    bdoor::kGetBuildNum};
constexpr unsigned kNumCommands = sizeof kCommands / sizeof kCommands[0];

struct Rig {
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu{m.mem()};
  Handler handler;
  Backdoor bd;
  Known known[4];
  unsigned translate_mode = 0;
  static BackdoorConfig config() {
    BackdoorConfig c;
    c.advertise_hb = true;
    c.cookie_seed = 1;
    return c;
  }
  Rig() : bd(config(), &handler, &handler, &handler) {
    m.clear();
    bd.host().set_tsc_khz(2400000);
    vcpu.translator = [this](uint64_t gva, bool, uint64_t* gpa) {
      switch (translate_mode) {
        case 0: *gpa = gva; return true;
        case 1: *gpa = gva ^ 0x5000; return true;               // shuffled pages
        case 2: *gpa = gva + 0x100000000ull; return true;       // mostly outside RAM
        default: return (gva & 0x3000) != 0x3000 && (*gpa = gva, true);  // unmapped holes
      }
    };
  }
  Regs& regs() { return vcpu.regs_; }
  uint16_t lb(bool in = true) {
    uint8_t d[4] = {};
    if (in) bd.pio_read(bdoor::kPortLb, d, 4, vcpu);
    else bd.pio_write(bdoor::kPortLb, d, 4, vcpu);
    return uint16_t(uint32_t(regs().rcx) >> 16);
  }
  // One well-formed command-30 call on a remembered channel; returns ECX[31:16].
  uint16_t msg(const Known& k, uint16_t type, uint32_t ebx) {
    Regs& r = regs();
    r.rax = bdoor::kMagic;
    r.rbx = ebx;
    r.rcx = uint32_t(type) << 16 | bdoor::kMessage;
    r.rdx = uint64_t(k.id) << 16 | bdoor::kPortLb;
    r.rsi = k.hi;
    r.rdi = k.lo;
    r.rflags = 2;
    return lb();
  }
  void hb_regs(const Known& k, bool send, uint32_t count, uint64_t gva) {
    Regs& r = regs();
    r.rax = bdoor::kMagic;
    r.rbx = 0x00010000;
    r.rcx = count;
    r.rdx = uint64_t(k.id) << 16 | bdoor::kPortHb;
    r.rflags = 2;
    if (send) {
      r.rsi = gva;
      r.rdi = k.lo;
      r.rbp = k.hi;
    } else {
      r.rsi = k.hi;
      r.rdi = gva;
      r.rbp = k.lo;
    }
  }
  // `rep outsb` as KVM delivers it (RCX already past each byte), `rep insb` in chunks,
  // or the whole-payload copy.
  void hb(const Known& k, bool send, uint32_t count, uint64_t gva, unsigned how, vireo_fuzz::Input& in) {
    hb_regs(k, send, count, gva);
    Regs& r = regs();
    // A guest may announce any count; past 64 KiB the device refuses the transfer, so
    // streaming more than that only costs time.
    uint32_t limit = count < bdoor::kMaxMessage + 16 ? count : bdoor::kMaxMessage + 16;
    if (how % 3 == 0) {
      bd.hb_copy(vcpu, send);
    } else if (send) {
      for (uint32_t i = 0; i < limit && uint32_t(r.rcx); ++i) {
        r.rcx = uint32_t(r.rcx) - 1;
        uint8_t b = uint8_t(i);
        bd.pio_write(bdoor::kPortHb, &b, 1, vcpu);
      }
    } else {
      unsigned chunk = in.u8() % 64 + 1;
      for (uint32_t done = 0; done < limit && uint32_t(r.rcx);) {
        uint32_t c = uint32_t(r.rcx) < chunk ? uint32_t(r.rcx) : chunk;
        uint8_t b;
        for (uint32_t i = 0; i < c; ++i) bd.pio_read(bdoor::kPortHb, &b, 1, vcpu);
        r.rcx = uint32_t(r.rcx) - c;
        r.rdi += c;
        done += c;
      }
    }
    if (vcpu.dirty && (r.rbx & 0xFFFFFFFF0000FFFFull)) std::abort();  // EBX = status << 16
  }
};

void lb_call(Rig& r, vireo_fuzz::Input& in) {
  Regs& g = r.regs();
  uint8_t pick = in.u8();
  Known& k = r.known[pick & 3];
  uint16_t cmd = pick & 0x80 ? in.u16() : kCommands[in.u8() % kNumCommands];
  uint16_t type = pick & 0x40 ? in.u16() : in.u8() % 7;
  g.rax = pick & 0x20 ? in.u32() : bdoor::kMagic;
  g.rbx = in.u32();
  g.rcx = uint64_t(type) << 16 | cmd;
  g.rdx = pick & 0x10 ? in.u32() : (uint64_t(k.id) << 16 | bdoor::kPortLb);
  g.rsi = pick & 0x10 ? in.u32() : k.hi;
  g.rdi = pick & 0x10 ? in.u32() : k.lo;
  g.rbp = in.u32();
  g.rflags = pick & 0x08 ? in.u32() : 2;
  if (cmd == bdoor::kMessage && type == bdoor::kMsgOpen && !(pick & 0x10))
    g.rbx = (pick & 4 ? bdoor::kProtoTclo : bdoor::kProtoRpci) | (pick & 2 ? bdoor::kFlagCookie : 0);
  r.vcpu.cpl_value = pick & 1 ? 3 : 0;
  const Regs before = g;
  r.vcpu.dirty = false;
  uint16_t status = r.lb(!(in.u8() == 0xFF));
  if (uint32_t(before.rax) != bdoor::kMagic &&
      (r.vcpu.dirty || g.rbx != before.rbx || g.rcx != before.rcx || g.rdx != before.rdx ||
       g.rsi != before.rsi || g.rdi != before.rdi || g.rbp != before.rbp))
    std::abort();  // a call with a bad magic changed registers
  if (cmd == bdoor::kMessage && type == bdoor::kMsgOpen && uint32_t(before.rax) == bdoor::kMagic &&
      status == bdoor::kStSuccess)
    k = Known{uint32_t(g.rdx >> 16), uint32_t(g.rsi), uint32_t(g.rdi)};
}

// Open (maybe), send, receive, status (maybe close), as open-vm-tools does it.
void conversation(Rig& r, vireo_fuzz::Input& in) {
  uint8_t pick = in.u8();
  Known& k = r.known[pick & 3];
  Regs& g = r.regs();
  if (pick & 4) {
    r.msg(k, bdoor::kMsgClose, 0);
    uint32_t proto = pick & 8 ? bdoor::kProtoTclo : bdoor::kProtoRpci;
    if (r.msg(k, bdoor::kMsgOpen, proto | bdoor::kFlagCookie) == bdoor::kStSuccess)
      k = Known{uint32_t(g.rdx >> 16), uint32_t(g.rsi), uint32_t(g.rdi)};
  }
  uint32_t n = pick & 0x10 ? in.u16() : in.u8();
  if (pick & 0x40) n += 1;  // 65536: the largest message; 65537 must be refused
  if (!(r.msg(k, bdoor::kMsgSendSize, n) & bdoor::kStSuccess)) return;
  unsigned how = in.u8();
  if (how & 0x80) {
    for (uint32_t i = 0; i < n; i += 4) r.msg(k, bdoor::kMsgSendPayload, in.u32());
  } else {
    r.hb(k, true, n, in.u8() & 1 ? in.gpa() : 0x1000, how, in);
  }
  uint8_t reply = in.u8();
  r.handler.reply_size = reply & 1 ? in.u16() : in.u8();
  if (reply & 2) r.handler.reply_size += 8;  // past 65536: the device must refuse it
  if (!(r.msg(k, bdoor::kMsgRecvSize, 0) & bdoor::kStDoRecv)) return;
  uint32_t len = uint32_t(g.rbx);
  if (len > bdoor::kMaxMessage) std::abort();
  how = in.u8();
  if (how & 0x80) {
    for (uint32_t i = 0; i < len; i += 4) r.msg(k, bdoor::kMsgRecvPayload, 1);
  } else {
    r.hb(k, false, len, in.u8() & 1 ? in.gpa() : 0x2000, how, in);
  }
  r.msg(k, bdoor::kMsgRecvStatus, in.u8() & 1);
  if (pick & 0x20) r.msg(k, bdoor::kMsgClose, 0);
}

void host_step(Rig& r, vireo_fuzz::Input& in) {
  Backdoor& bd = r.bd;
  switch (in.u8() % 8) {
    case 0: {
      size_t n = in.u16();
      if (in.u8() & 1) n += 0x1000;  // past the 64 KiB selection limit
      bd.clipboard().set_host_text(std::string(n, 'c'));
      break;
    }
    case 1: {
      uint8_t p = in.u8();
      bd.clipboard().set_policy(p & 1, p & 2);
      break;
    }
    case 2: {
      uint32_t buttons = in.u32();
      uint16_t x = in.u16(), y = in.u16();
      bd.mouse().push_absolute(buttons, x, y, int8_t(in.u8()));
      break;
    }
    case 3: {
      uint32_t buttons = in.u32();
      int32_t dx = int32_t(in.u32()), dy = int32_t(in.u32());
      bd.mouse().push_relative(buttons, dx, dy, int8_t(in.u8()));
      break;
    }
    case 4: bd.rpc().checkpoint(); break;
    case 5: bd.rpc().fail_all(); break;
    case 6: bd.host().set_tsc_khz(in.u8() & 1 ? in.u64() : 0); break;
    default: {
      bool grabbed = in.u8() & 1;
      int16_t x = int16_t(in.u16()), y = int16_t(in.u16());
      bd.host().set_pointer(grabbed, x, y);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Rig r;
  vireo_fuzz::Input in(data, size);
  while (in.more()) {
    switch (in.u8() % 6) {
      case 0:
      case 1: lb_call(r, in); break;
      case 2: conversation(r, in); break;
      case 3: {  // a raw HB transfer with fuzzed registers
        uint8_t pick = in.u8();
        const Known& k = r.known[pick & 3];
        uint32_t count = pick & 0x10 ? in.u32() : in.u8();
        r.hb(k, pick & 4, count, in.gpa(), pick >> 5, in);
        break;
      }
      case 4:
        if (in.u8() & 1) vireo_fuzz::guest_write(in, r.m);
        else r.translate_mode = in.u8() % 4;
        break;
      default: host_step(r, in); break;
    }
    if (r.bd.rpc().buffered_bytes() > GuestRpc::kMaxChannels * 2 * (bdoor::kMaxMessage + 64))
      std::abort();  // channel buffers over their bound
  }
  return 0;
}
