// A GuestRPC HB send reads the message from guest memory a second vCPU may rewrite, and
// an HB receive writes the reply into it. A thread keeps rewriting the send buffer (and
// the page after it) while the host thread runs whole RPCI exchanges on one channel:
// SENDSIZE n, one `rep outsb`-style whole-payload copy, RECVSIZE, the reply by HB copy,
// RECVSTATUS. The device must take one copy of the n bytes: the handler sees exactly n
// bytes every time (never more, never a torn length), ASan catches any over-read.
#include <cstdint>
#include <string>

#include "../check.h"
#include "../fake_vcpu.h"
#include "devices/vmware/backdoor.h"
#include "fuzz_guest.h"
#include "race.h"

using namespace vireo;
using vireo_fuzz::guest_store;

namespace {

struct Handler : GuestRpcHandler, ClipboardSink, MouseModeSink {
  uint64_t messages = 0, wrong_size = 0;
  size_t expect = 0;
  std::string on_message(unsigned, bool, uint32_t, const std::string& msg) override {
    ++messages;
    if (msg.size() != expect) ++wrong_size;
    return "1 " + std::string(msg.size() % 300, 'r');
  }
  void on_close(unsigned, bool, uint32_t) override {}
  void on_guest_clipboard(std::string) override {}
  void on_vmmouse_mode(bool, bool) override {}
};

}  // namespace

TEST(guest_rpc_takes_one_copy_of_an_hb_message_a_second_vcpu_rewrites) {
  constexpr uint64_t kSend = 0x10000 - 100, kRecv = 0x20000;  // the message crosses a page
  vireo_fuzz::FuzzMemory& m = vireo_fuzz::fuzz_memory();
  vireo_test::FakeVcpu vcpu(m.mem());
  Handler h;
  BackdoorConfig c;
  c.cookie_seed = 7;
  Backdoor bd(c, &h, &h, &h);
  Regs& r = vcpu.regs_;
  uint32_t id = 0, hi = 0, lo = 0;
  auto lb = [&](uint16_t type, uint32_t ebx) {
    r.rax = bdoor::kMagic;
    r.rbx = ebx;
    r.rcx = uint32_t(type) << 16 | bdoor::kMessage;
    r.rdx = uint64_t(id) << 16 | bdoor::kPortLb;
    r.rsi = hi;
    r.rdi = lo;
    r.rflags = 2;
    uint8_t d[4];
    bd.pio_read(bdoor::kPortLb, d, 4, vcpu);
    return uint16_t(uint32_t(r.rcx) >> 16);
  };
  CHECK_EQ(lb(bdoor::kMsgOpen, bdoor::kProtoRpci | bdoor::kFlagCookie), bdoor::kStSuccess);
  id = uint32_t(r.rdx >> 16);
  hi = uint32_t(r.rsi);
  lo = uint32_t(r.rdi);
  uint8_t* send = m.mem().host_ptr(kSend, 8192);
  CHECK(send != nullptr);
  uint64_t exchanges = 0;
  {
    vireo_fuzz::SecondVcpu other([&](uint64_t round, bool bad) {
      guest_store<uint32_t>(send + 4 * (round % 2048), bad ? uint32_t(round * 0x9E3779B9u) : 0);
    });
    uint64_t passes = vireo_fuzz::host_loop([&] {
      size_t n = 1 + (exchanges * 37) % 8000;
      h.expect = n;
      if (!(lb(bdoor::kMsgSendSize, uint32_t(n)) & bdoor::kStSuccess)) return;
      r.rax = bdoor::kMagic;
      r.rbx = 0x00010000;
      r.rcx = n;
      r.rdx = uint64_t(id) << 16 | bdoor::kPortHb;
      r.rsi = kSend;
      r.rdi = lo;
      r.rbp = hi;
      bd.hb_copy(vcpu, true);
      if (!(lb(bdoor::kMsgRecvSize, 0) & bdoor::kStDoRecv)) return;
      uint32_t len = uint32_t(r.rbx);
      r.rax = bdoor::kMagic;
      r.rbx = 0x00010000;
      r.rcx = len;
      r.rdx = uint64_t(id) << 16 | bdoor::kPortHb;
      r.rsi = hi;
      r.rdi = kRecv;
      r.rbp = lo;
      bd.hb_copy(vcpu, false);
      lb(bdoor::kMsgRecvStatus, 1);
      ++exchanges;
    });
    CHECK(passes > 1000);
  }
  CHECK(exchanges > 1000);
  CHECK_EQ(h.wrong_size, 0u);
  CHECK_EQ(h.messages, exchanges);
}
