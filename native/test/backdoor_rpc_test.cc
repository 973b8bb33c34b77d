// GuestRPC over the backdoor (docs/vmware-backdoor.md §4-§5): RPCI info-set /
// info-get over LB and HB, TCLO polling, cookies, channel checks, size limits, CPT.
#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <string>

#include "check.h"
#include "devices/vmware/backdoor.h"
#include "fake_vcpu.h"

using namespace vireo;

namespace {

// A tiny tools service: guestinfo store over RPCI, a command queue over TCLO.
struct Service : GuestRpcHandler {
  std::map<std::string, std::string> info;
  std::deque<std::string> tclo_queue;
  std::vector<std::string> tclo_replies;
  std::vector<uint32_t> sessions;
  int closes = 0;
  std::string on_message(unsigned, bool tclo, uint32_t session, const std::string& raw) override {
    sessions.push_back(session);
    std::string msg = raw;
    if (!msg.empty() && msg.back() == '\0') msg.pop_back();  // vmtoolsd sends strlen+1
    if (tclo) {
      tclo_replies.push_back(msg);
      if (tclo_queue.empty()) return "";
      std::string next = tclo_queue.front();
      tclo_queue.pop_front();
      return next;
    }
    if (msg.rfind("info-set ", 0) == 0) {
      size_t sp = msg.find(' ', 9);
      if (sp == std::string::npos) return "0 Invalid arguments";
      info[msg.substr(9, sp - 9)] = msg.substr(sp + 1);
      return "1 ";
    }
    if (msg.rfind("info-get ", 0) == 0) {
      auto it = info.find(msg.substr(9));
      return it == info.end() ? "0 No value found" : "1 " + it->second;
    }
    if (msg == "big") return std::string(bdoor::kMaxMessage + 1, 'x');
    return "0 Unknown command";
  }
  void on_close(unsigned, bool, uint32_t) override { ++closes; }
};

constexpr uint32_t kBuf = 0x10000;  // guest buffer for HB transfers

struct Rig {
  GuestMemory mem;
  vireo_test::FakeVcpu vcpu{mem};
  Service svc;
  Backdoor bd;
  // Channel as the guest sees it after OPEN.
  uint32_t id = 0, hi = 0, lo = 0;
  explicit Rig(bool hb = false) : bd(make_cfg(hb), &svc, nullptr, nullptr) {
    CHECK(mem.add_region(0, 0x40000, false).ok());
  }
  static BackdoorConfig make_cfg(bool hb) {
    BackdoorConfig c;
    c.advertise_hb = hb;
    c.cookie_seed = 42;
    return c;
  }
  Regs& msg(uint16_t type, uint32_t ebx = 0) {
    Regs& r = vcpu.regs_;
    r.rax = bdoor::kMagic;
    r.rbx = ebx;
    r.rcx = (uint32_t(type) << 16) | bdoor::kMessage;
    r.rdx = (id << 16) | bdoor::kPortLb;
    r.rsi = hi;
    r.rdi = lo;
    uint8_t data[4];
    bd.pio_read(bdoor::kPortLb, data, 4, vcpu);
    return r;
  }
  uint16_t status() const { return uint16_t(vcpu.regs_.rcx >> 16); }
  bool open(uint32_t proto) {
    Regs& r = msg(bdoor::kMsgOpen, proto | bdoor::kFlagCookie);
    if (status() != bdoor::kStSuccess) return false;
    CHECK_EQ(r.rdx & 0xFFFF, 0u);  // low half 0 (OpenBSD checks)
    id = uint32_t(r.rdx >> 16);
    hi = uint32_t(r.rsi);
    lo = uint32_t(r.rdi);
    CHECK(hi != 0 && lo != 0);
    return true;
  }
  bool send_lb(const std::string& m) {
    msg(bdoor::kMsgSendSize, uint32_t(m.size()));
    if (!(status() & bdoor::kStSuccess)) return false;
    for (size_t i = 0; i < m.size(); i += 4) {
      uint32_t w = 0;
      for (size_t j = 0; j < 4 && i + j < m.size(); ++j) w |= uint32_t(uint8_t(m[i + j])) << (8 * j);
      msg(bdoor::kMsgSendPayload, w);
      if (status() != bdoor::kStSuccess) return false;
    }
    return true;
  }
  // RECVSIZE; returns -1 on failure, else the length (0 when nothing is waiting).
  long recv_size() {
    Regs& r = msg(bdoor::kMsgRecvSize);
    if (!(status() & bdoor::kStSuccess)) return -1;
    CHECK_EQ(r.rdx >> 16, 1u);
    return (status() & bdoor::kStDoRecv) ? long(r.rbx) : 0;
  }
  std::string recv_lb() {
    long n = recv_size();
    if (n <= 0) return n < 0 ? "<fail>" : "";
    std::string out;
    for (long i = 0; i < n; i += 4) {
      Regs& r = msg(bdoor::kMsgRecvPayload, bdoor::kStSuccess);
      CHECK_EQ(status(), bdoor::kStSuccess);
      CHECK_EQ(r.rdx >> 16, 2u);
      for (long j = 0; j < 4 && i + j < n; ++j) out.push_back(char(r.rbx >> (8 * j)));
    }
    msg(bdoor::kMsgRecvStatus, bdoor::kStSuccess);
    CHECK_EQ(status(), bdoor::kStSuccess);
    return out;
  }
  // Whole-payload HB copy (hypercall transport) with the §1.2 register layout.
  uint32_t hb(bool send, uint64_t gva, uint32_t n) {
    hb_regs(send, gva, n);
    bd.hb_copy(vcpu, send);
    return uint32_t(vcpu.regs_.rbx);
  }
  void hb_regs(bool send, uint64_t gva, uint64_t n) {
    Regs& r = vcpu.regs_;
    r.rax = bdoor::kMagic;
    r.rbx = uint32_t(bdoor::kStSuccess) << 16;
    r.rcx = n;
    r.rdx = (id << 16) | bdoor::kPortHb;
    r.rsi = send ? gva : hi;
    r.rdi = send ? lo : gva;
    r.rbp = send ? hi : lo;
  }
  // `rep outsb` as KVM delivers it: one exit per byte, RCX/RSI already past the byte.
  uint32_t stream_out(const std::string& m) {
    hb_regs(true, kBuf, m.size());
    for (size_t i = 0; i < m.size() && vcpu.regs_.rcx; ++i) {
      vcpu.regs_.rcx -= 1;
      vcpu.regs_.rsi += 1;
      uint8_t b = uint8_t(m[i]);
      bd.pio_write(bdoor::kPortHb, &b, 1, vcpu);
    }
    return uint32_t(vcpu.regs_.rbx);
  }
  // `rep insb` as KVM delivers it: exits of up to `chunk` bytes (never across a page),
  // RCX/RDI still before the chunk; "KVM" then stores the data and advances them.
  uint32_t stream_in(uint64_t n, std::string* out, size_t chunk = 1024, uint64_t gva = kBuf) {
    hb_regs(false, gva, n);
    Regs& r = vcpu.regs_;
    while (r.rcx) {
      size_t c = size_t(std::min<uint64_t>({r.rcx, chunk, 4096 - (r.rdi & 4095)}));
      uint8_t data[4096];
      for (size_t i = 0; i < c; ++i) bd.pio_read(bdoor::kPortHb, &data[i], 1, vcpu);
      out->append(reinterpret_cast<char*>(data), c);
      r.rcx -= c;
      r.rdi += c;
    }
    return uint32_t(r.rbx);
  }
};

}  // namespace

TEST(rpc_info_set_get_over_lb) {
  Rig t;
  CHECK(t.open(bdoor::kProtoRpci));
  CHECK(t.send_lb(std::string("info-set guestinfo.ip 10.0.0.7") + '\0'));
  CHECK(t.recv_lb() == "1 ");
  CHECK(t.send_lb("info-get guestinfo.ip"));
  CHECK(t.recv_lb() == "1 10.0.0.7");
  CHECK(t.send_lb("info-get guestinfo.none"));
  CHECK(t.recv_lb() == "0 No value found");
  CHECK_EQ(t.recv_size(), 0);  // reply consumed: nothing waiting
  t.msg(bdoor::kMsgClose);
  CHECK_EQ(t.status(), bdoor::kStSuccess);
  CHECK_EQ(t.vcpu.regs_.rcx & 0xFFFF, uint64_t(0));
  CHECK_EQ(t.svc.closes, 1);
  CHECK(!t.send_lb("info-get guestinfo.ip"));  // closed
}

// The status words of a VMware host, bit for bit (open-vm-tools lib/message/message.c
// reads them; some clients compare them exactly): SENDSIZE 0x0081 (SUCCESS | HB),
// SENDPAYLOAD 0x0001, RECVSIZE with a reply waiting 0x0083 (SUCCESS | DORECV | HB) and
// without one 0x0001, RECVPAYLOAD 0x0001, RECVSTATUS 0x0001, CLOSE 0x0001.
TEST(rpc_status_words_are_vmwares_by_default) {
  CHECK(BackdoorConfig{}.advertise_hb);
  Rig t(BackdoorConfig{}.advertise_hb);
  CHECK(t.open(bdoor::kProtoRpci));
  t.msg(bdoor::kMsgRecvSize);
  CHECK_EQ(t.status(), 0x0001);
  t.msg(bdoor::kMsgSendSize, 4);
  CHECK_EQ(t.status(), 0x0081);
  t.msg(bdoor::kMsgSendPayload, 0x64636261);  // "abcd"
  CHECK_EQ(t.status(), 0x0001);
  Regs& r = t.msg(bdoor::kMsgRecvSize);
  CHECK_EQ(t.status(), 0x0083);
  CHECK_EQ(r.rbx, 17u);  // "0 Unknown command"
  t.msg(bdoor::kMsgRecvPayload, bdoor::kStSuccess);
  CHECK_EQ(t.status(), 0x0001);
  t.msg(bdoor::kMsgRecvStatus, bdoor::kStSuccess);
  CHECK_EQ(t.status(), 0x0001);
  t.msg(bdoor::kMsgClose);
  CHECK_EQ(t.status(), 0x0001);
  // Configured off (no HB), the same conversation says 0x0001 / 0x0003.
  Rig lb(false);
  CHECK(lb.open(bdoor::kProtoRpci));
  lb.msg(bdoor::kMsgSendSize, 3);
  CHECK_EQ(lb.status(), bdoor::kStSuccess);
}

// iPXE's GuestRPC client (ipxe src/arch/x86/interface/vmware/guestrpc.c) register for
// register: OPEN without the cookie flag (no cookies sent afterwards), every status
// compared as the whole ECX word, and the RECVSIZE EDX high word ("reply id") passed back
// in EBX of RECVPAYLOAD and RECVSTATUS — so RECVSTATUS consumes the reply only because
// that word is 1 (MESSAGE_TYPE_SENDSIZE), which has MESSAGE_STATUS_SUCCESS's bit.
TEST(rpc_ipxe_guestrpc_command_sequence) {
  Rig t(BackdoorConfig{}.advertise_hb);
  t.svc.info["guestinfo.ipxe.url"] = "http://boot.example/x";
  Regs& r = t.vcpu.regs_;
  auto call = [&](uint16_t type, uint32_t ebx) -> uint32_t {
    r.rax = bdoor::kMagic;
    r.rbx = ebx;
    r.rcx = (uint32_t(type) << 16) | bdoor::kMessage;
    r.rdx = (t.id << 16) | bdoor::kPortLb;  // ESI/EDI: whatever they held (no cookies)
    uint8_t data[4];
    t.bd.pio_read(bdoor::kPortLb, data, 4, t.vcpu);
    return uint32_t(r.rcx);
  };
  CHECK_EQ(call(bdoor::kMsgOpen, bdoor::kProtoRpci), 0x00010000u);  // GUESTRPC_OPEN_SUCCESS
  t.id = uint32_t(r.rdx >> 16);
  const std::string cmd = "info-get guestinfo.ipxe.url";
  CHECK_EQ(call(bdoor::kMsgSendSize, uint32_t(cmd.size())), 0x00810000u);  // COMMAND_LEN_SUCCESS
  for (size_t i = 0; i < cmd.size(); i += 4) {
    uint32_t w = 0;
    for (size_t j = 0; j < 4 && i + j < cmd.size(); ++j) w |= uint32_t(uint8_t(cmd[i + j])) << (8 * j);
    CHECK_EQ(call(bdoor::kMsgSendPayload, w), 0x00010000u);  // COMMAND_DATA_SUCCESS
  }
  CHECK_EQ(call(bdoor::kMsgRecvSize, 0), 0x00830000u);  // REPLY_LEN_SUCCESS
  const uint32_t len = uint32_t(r.rbx);
  const uint16_t reply_id = uint16_t(r.rdx >> 16);
  CHECK_EQ(reply_id, 1u);
  std::string reply;
  for (uint32_t i = 0; i < len; i += 4) {
    CHECK_EQ(call(bdoor::kMsgRecvPayload, reply_id), 0x00010000u);  // REPLY_DATA_SUCCESS
    for (uint32_t j = 0; j < 4 && i + j < len; ++j) reply.push_back(char(r.rbx >> (8 * j)));
  }
  CHECK_EQ(call(bdoor::kMsgRecvStatus, reply_id), 0x00010000u);  // REPLY_FINISH_SUCCESS
  CHECK(reply == "1 http://boot.example/x");
  CHECK_EQ(call(bdoor::kMsgRecvSize, 0), 0x00010000u);  // consumed: nothing waits
  CHECK_EQ(call(bdoor::kMsgClose, 0), 0x00010000u);     // GUESTRPC_CLOSE_SUCCESS
}

TEST(rpc_info_set_get_over_hb) {
  Rig t(true);
  CHECK(t.open(bdoor::kProtoRpci));
  const std::string set = "info-set guestinfo.os debian";
  CHECK(t.mem.write(kBuf, set.data(), set.size()));
  t.msg(bdoor::kMsgSendSize, uint32_t(set.size()));
  CHECK_EQ(t.hb(true, kBuf, uint32_t(set.size())), 0x00010000u);  // exactly ENH_DATA
  CHECK_EQ(t.vcpu.regs_.rcx, 0u);
  CHECK_EQ(t.vcpu.regs_.rsi, uint64_t(kBuf + set.size()));
  long n = t.recv_size();
  CHECK_EQ(n, 2);
  CHECK_EQ(t.hb(false, kBuf + 0x100, 2), 0x00010000u);
  CHECK_EQ(t.vcpu.regs_.rdi, uint64_t(kBuf + 0x102));
  t.msg(bdoor::kMsgRecvStatus, bdoor::kStSuccess);
  CHECK(t.svc.info["guestinfo.os"] == "debian");

  // A page-crossing receive through a non-identity page map.
  const std::string get = "info-get guestinfo.os";
  t.vcpu.translator = [](uint64_t gva, bool, uint64_t* gpa) {
    if (gva < 0x80000000u) return false;
    *gpa = (gva - 0x80000000u) ^ 0x1000;  // swap neighbouring pages
    return true;
  };
  CHECK(t.mem.write(0x1000 ^ 0x1000, get.data(), get.size()));
  t.msg(bdoor::kMsgSendSize, uint32_t(get.size()));
  CHECK_EQ(t.hb(true, 0x80001000u, uint32_t(get.size())), 0x00010000u);
  n = t.recv_size();
  CHECK_EQ(n, 8);  // "1 debian"
  const uint64_t dst = 0x80000000u + 0x1FFC;  // 4 bytes on one page, 4 on the next
  CHECK_EQ(t.hb(false, dst, 8), 0x00010000u);
  char out[9] = {};
  CHECK(t.mem.read(0x0FFC, out, 4));  // page 1 -> gpa page 0
  CHECK(t.mem.read(0x3000, out + 4, 4));  // page 2 -> gpa page 3
  CHECK(std::string(out) == "1 debian");
}

TEST(rpc_hb_streams_through_the_io_data_area) {
  Rig t(true);
  CHECK(t.open(bdoor::kProtoRpci));
  const std::string set = "info-set guestinfo.os debian";
  t.msg(bdoor::kMsgSendSize, uint32_t(set.size()));
  CHECK_EQ(t.stream_out(set), 0x00010000u);
  CHECK(t.svc.info["guestinfo.os"] == "debian");
  CHECK_EQ(t.recv_size(), 2);
  std::string got;
  CHECK_EQ(t.stream_in(2, &got), 0x00010000u);
  CHECK(got == "1 ");
  t.msg(bdoor::kMsgRecvStatus, bdoor::kStSuccess);
  // A longer reply in chunks that straddle a page.
  t.svc.info["guestinfo.big"] = std::string(3000, 'b');
  const std::string get = "info-get guestinfo.big";
  t.msg(bdoor::kMsgSendSize, uint32_t(get.size()));
  CHECK_EQ(t.stream_out(get), 0x00010000u);
  CHECK_EQ(t.recv_size(), 3002);
  got.clear();
  t.vcpu.dirty = false;
  CHECK_EQ(t.stream_in(3002, &got, 1024, 0x1F00), 0x00010000u);
  CHECK(got == "1 " + std::string(3000, 'b'));
  CHECK(t.vcpu.dirty);
  t.msg(bdoor::kMsgRecvStatus, bdoor::kStSuccess);
  CHECK_EQ(t.recv_size(), 0);
}

TEST(rpc_hb_stream_failures_are_defined) {
  Rig t(true);
  CHECK(t.open(bdoor::kProtoRpci));
  // Count different from the announced size: refused at the first byte, `rep` cut short.
  t.msg(bdoor::kMsgSendSize, 8);
  CHECK_EQ(t.stream_out("info-get"), 0x00010000u);  // exact size is fine
  t.msg(bdoor::kMsgRecvSize);
  std::string got;
  CHECK_EQ(t.stream_in(3, &got), 0u);  // wrong count: zeros, failure at the end
  CHECK(got == std::string(3, '\0'));
  t.msg(bdoor::kMsgSendSize, 8);
  CHECK_EQ(t.stream_out("toolong!!"), 0u);
  CHECK_EQ(t.vcpu.regs_.rcx, 0u);  // stopped after the first byte
  // Wrong cookie.
  t.msg(bdoor::kMsgSendSize, 4);
  t.hi ^= 1;
  CHECK_EQ(t.stream_out("abcd"), 0u);
  t.hi ^= 1;
  // Not a message command, backwards direction, bad magic.
  t.msg(bdoor::kMsgSendSize, 4);
  t.hb_regs(true, kBuf, 4);
  t.vcpu.regs_.rbx = 0x00010001;  // BDOORHB_CMD_VASSERT
  t.vcpu.regs_.rcx = 3;
  uint8_t b = 'a';
  t.bd.pio_write(bdoor::kPortHb, &b, 1, t.vcpu);
  CHECK_EQ(t.vcpu.regs_.rbx, 0u);
  t.hb_regs(false, kBuf, 4);
  t.vcpu.regs_.rflags = 1u << 10;
  got.clear();
  CHECK_EQ(t.stream_in(4, &got), 0u);
  t.vcpu.regs_.rflags = 0;
  t.vcpu.regs_.rax = 0;
  uint8_t in = 0;
  t.bd.pio_read(bdoor::kPortHb, &in, 1, t.vcpu);
  CHECK_EQ(in, 0xFF);
  // The channel still works afterwards.
  CHECK(t.send_lb("info-get guestinfo.none"));
  CHECK(t.recv_lb() == "0 No value found");
}

TEST(rpc_hb_rejects_bad_buffers_and_counts) {
  Rig t(true);
  CHECK(t.open(bdoor::kProtoRpci));
  t.msg(bdoor::kMsgSendSize, 8);
  CHECK_EQ(t.hb(true, 0x3FFFC, 8), 0u);  // runs past the end of guest RAM
  CHECK_EQ(t.vcpu.regs_.rcx, 8u);         // nothing consumed
  t.msg(bdoor::kMsgSendSize, 8);
  CHECK_EQ(t.hb(true, kBuf, 7), 0u);       // count must match the announced size
  t.msg(bdoor::kMsgSendSize, 8);
  CHECK_EQ(t.hb(true, ~0ULL - 3, 8), 0u);  // wraps the address space
  t.vcpu.translator = [](uint64_t, bool, uint64_t*) { return false; };
  t.msg(bdoor::kMsgSendSize, 8);
  CHECK_EQ(t.hb(true, kBuf, 8), 0u);       // unmapped
  t.vcpu.translator = nullptr;
  t.msg(bdoor::kMsgSendSize, 8);
  uint32_t hi = t.hi;
  t.hi ^= 1;
  CHECK_EQ(t.hb(true, kBuf, 8), 0u);       // wrong cookie
  t.hi = hi;
  CHECK_EQ(t.hb(true, kBuf, 8), 0x00010000u);
  // A zero count moves nothing and changes no register.
  t.vcpu.regs_.rbx = 0x1234;
  t.vcpu.regs_.rcx = 0;
  t.bd.hb_copy(t.vcpu, true);
  CHECK_EQ(t.vcpu.regs_.rbx, 0x1234u);
}

TEST(rpc_tclo_polling_conversation) {
  Rig t;
  CHECK(t.open(bdoor::kProtoTclo));
  t.svc.tclo_queue = {"reset", "ping"};
  // rpcin.c: open, then send an empty message, then RECVSIZE.
  CHECK(t.send_lb(""));
  CHECK(t.recv_lb() == "reset");
  CHECK(t.send_lb("OK ATR toolbox"));  // reply to reset; host answers with the next command
  CHECK(t.recv_lb() == "ping");
  CHECK(t.send_lb("OK "));
  CHECK(t.recv_lb() == "");  // idle
  CHECK(t.send_lb(""));
  CHECK(t.recv_lb() == "");
  CHECK_EQ(t.svc.tclo_replies.size(), 4u);
  CHECK(t.svc.tclo_replies[1] == "OK ATR toolbox");
  CHECK(t.svc.tclo_replies[2] == "OK ");
  // Sending again while a command is undelivered is refused.
  t.svc.tclo_queue = {"Capabilities_Register"};
  CHECK(t.send_lb(""));
  CHECK(!t.send_lb("OK "));
  CHECK(t.recv_lb() == "Capabilities_Register");
}

TEST(rpc_sessions_identify_reopened_channels) {
  Rig t;
  CHECK(t.open(bdoor::kProtoTclo));
  unsigned first_id = t.id;
  CHECK(t.send_lb(""));
  t.msg(bdoor::kMsgClose);
  CHECK(t.open(bdoor::kProtoTclo));
  CHECK_EQ(t.id, first_id);  // the slot is reused...
  CHECK(t.send_lb(""));
  CHECK_EQ(t.svc.sessions.size(), 2u);
  CHECK(t.svc.sessions[0] != t.svc.sessions[1]);  // ...under a new session
}

TEST(rpc_bad_channel_cookie_and_type) {
  Rig t;
  CHECK(t.open(bdoor::kProtoRpci));
  uint32_t lo = t.lo;
  t.lo ^= 0x80;
  t.msg(bdoor::kMsgSendSize, 1);
  CHECK_EQ(t.status(), 0);
  t.lo = lo;
  uint32_t id = t.id;
  t.id = GuestRpc::kMaxChannels;  // out of range
  t.msg(bdoor::kMsgSendSize, 1);
  CHECK_EQ(t.status(), 0);
  t.id = 0xFFFF;
  t.msg(bdoor::kMsgRecvSize);
  CHECK_EQ(t.status(), 0);
  t.id = id + 1;  // in range, not open
  t.msg(bdoor::kMsgRecvSize);
  CHECK_EQ(t.status(), 0);
  t.id = id;
  t.msg(7);  // no such message type
  CHECK_EQ(t.status(), 0);
  t.msg(bdoor::kMsgSendPayload, 0x41414141);  // payload without SENDSIZE
  CHECK_EQ(t.status(), 0);
  t.msg(bdoor::kMsgRecvPayload, 1);  // nothing to receive
  CHECK_EQ(t.status(), 0);
  t.msg(bdoor::kMsgOpen, 0x12345678);  // unknown protocol
  CHECK_EQ(t.status(), 0);
  CHECK(t.bd.stats().rpc_failures() >= 8);
}

TEST(rpc_without_cookie_flag_skips_cookie_checks) {
  Rig t;
  Regs& r = t.msg(bdoor::kMsgOpen, bdoor::kProtoRpci);
  CHECK_EQ(t.status(), bdoor::kStSuccess);
  t.id = uint32_t(r.rdx >> 16);
  t.hi = t.lo = 0;
  CHECK(t.send_lb("info-get guestinfo.x"));
  CHECK(t.recv_lb() == "0 No value found");
}

TEST(rpc_limits_channels_and_sizes) {
  Rig t;
  for (unsigned i = 0; i < GuestRpc::kMaxChannels; ++i) CHECK(t.open(bdoor::kProtoRpci));
  CHECK(!t.open(bdoor::kProtoRpci));  // table full
  CHECK_EQ(t.bd.rpc().open_channels(), GuestRpc::kMaxChannels);
  t.msg(bdoor::kMsgSendSize, bdoor::kMaxMessage + 1);
  CHECK_EQ(t.status(), 0);
  t.msg(bdoor::kMsgSendSize, bdoor::kMaxMessage);  // the limit itself is fine
  CHECK_EQ(t.status(), bdoor::kStSuccess);
  CHECK(t.bd.rpc().buffered_bytes() <= bdoor::kMaxMessage + 64);
  // A reply over 64 KiB is replaced by an error.
  CHECK(t.send_lb("big"));
  CHECK(t.recv_lb() == "0 Reply too large");
  t.bd.rpc().fail_all();
  CHECK_EQ(t.recv_size(), -1);  // every old channel is gone
  CHECK_EQ(t.bd.rpc().open_channels(), 0u);
  CHECK_EQ(t.svc.closes, int(GuestRpc::kMaxChannels));
  CHECK(t.open(bdoor::kProtoRpci));
}

TEST(rpc_checkpoint_restarts_transfers) {
  Rig t;
  CHECK(t.open(bdoor::kProtoRpci));
  t.msg(bdoor::kMsgSendSize, 8);
  t.msg(bdoor::kMsgSendPayload, 0x6F666E69);
  t.bd.rpc().checkpoint();
  t.msg(bdoor::kMsgSendPayload, 0x6F666E69);
  CHECK_EQ(t.status(), bdoor::kStCpt);  // restart from SENDSIZE
  CHECK(t.send_lb("info-get guestinfo.a"));
  CHECK_EQ(t.recv_size(), 16);
  t.msg(bdoor::kMsgRecvPayload, 1);
  t.bd.rpc().checkpoint();
  t.msg(bdoor::kMsgRecvPayload, 1);
  CHECK_EQ(t.status(), bdoor::kStCpt);  // restart from RECVSIZE
  CHECK(t.recv_lb() == "0 No value found");
}

TEST(rpc_recvstatus_failure_keeps_the_reply) {
  Rig t;
  CHECK(t.open(bdoor::kProtoRpci));
  CHECK(t.send_lb("info-get guestinfo.a"));
  CHECK_EQ(t.recv_size(), 16);
  t.msg(bdoor::kMsgRecvStatus, 0);
  CHECK_EQ(t.status(), bdoor::kStSuccess);
  CHECK(t.recv_lb() == "0 No value found");
}

// The HB copy to the guest (recv) stores through the region's protection like KVM does:
// a destination in a read-only region (ROM, flash) fails the transfer and leaves it as it was.
TEST(rpc_hb_recv_never_writes_read_only_memory) {
  Rig t(true);
  constexpr uint64_t kRom = 0x100000;
  CHECK(t.mem.add_region(kRom, 0x1000, true).ok());
  std::memset(t.mem.host_ptr(kRom, 0x1000), 0xAA, 0x1000);  // the ROM's image
  CHECK(t.open(bdoor::kProtoRpci));
  const std::string get = "info-get guestinfo.none";
  CHECK(t.mem.write(kBuf, get.data(), get.size()));
  t.msg(bdoor::kMsgSendSize, uint32_t(get.size()));
  CHECK_EQ(t.hb(true, kBuf, uint32_t(get.size())), 0x00010000u);
  const long n = t.recv_size();
  CHECK(n > 0);
  CHECK((t.hb(false, kRom + 0x10, uint32_t(n)) >> 16 & bdoor::kStSuccess) == 0);
  const uint8_t* rom = t.mem.host_ptr(kRom, 0x1000);
  for (unsigned i = 0; i < 0x1000; ++i) CHECK_EQ(rom[i], 0xAAu);
  CHECK(t.mem.writable_ptr(kRom, 1) == nullptr);
  CHECK(t.mem.writable_ptr(kBuf, 1) != nullptr);
}
