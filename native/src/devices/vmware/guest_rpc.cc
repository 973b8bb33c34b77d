#include "devices/vmware/guest_rpc.h"

#include <cstring>
#include <random>

namespace vireo {

namespace {
constexpr uint32_t st(uint16_t status) { return uint32_t(status) << 16; }
constexpr size_t kMaxReply = bdoor::kMaxMessage;
const char kReplyTooLarge[] = "0 Reply too large";
const char kNoService[] = "0 Unknown command";  // RPCI_UNKNOWN_COMMAND
}  // namespace

GuestRpc::GuestRpc(GuestRpcHandler* handler, uint64_t cookie_seed, bool advertise_hb)
    : handler_(handler), advertise_hb_(advertise_hb) {
  if (!cookie_seed) {
    std::random_device rd;
    cookie_seed = (uint64_t(rd()) << 32) | rd();
  }
  rng_ = cookie_seed | 1;  // xorshift state must be non-zero
}

// xorshift64* (Vigna); cookies only need to be unpredictable enough that a stale or
// foreign process does not hit a live channel by accident, and never 0 (OpenBSD treats
// id 0 with cookies 0/0 as closed).
uint32_t GuestRpc::next_cookie() {
  uint32_t v;
  do {
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    v = uint32_t((rng_ * 0x2545F4914F6CDD1DULL) >> 32);
  } while (v == 0);
  return v;
}

void GuestRpc::sync_host_requests() {
  uint32_t reset = reset_gen_.load(std::memory_order_acquire);
  if (reset != reset_seen_) {
    reset_seen_ = reset;
    for (unsigned i = 0; i < kMaxChannels; ++i)
      if (ch_[i].open) release(ch_[i], i, true);
  }
  uint32_t cpt = cpt_gen_.load(std::memory_order_acquire);
  if (cpt != cpt_seen_) {
    cpt_seen_ = cpt;
    for (Channel& c : ch_) {
      if (!c.open) continue;
      if (c.in_active || (c.out_ready && c.out_pos > 0)) c.cpt = true;
      c.in_active = false;
      c.in.clear();
      c.out_pos = 0;
    }
  }
}

GuestRpc::Channel* GuestRpc::find(unsigned id, uint32_t hi, uint32_t lo, bool check_cookie) {
  if (id >= kMaxChannels) return nullptr;
  Channel& c = ch_[id];
  if (!c.open) return nullptr;
  if (check_cookie && c.cookie && (c.cookie_hi != hi || c.cookie_lo != lo)) return nullptr;
  return &c;
}

void GuestRpc::release(Channel& c, unsigned id, bool notify) {
  const bool tclo = c.tclo;
  const uint32_t session = c.session;
  c = Channel();  // frees both buffers
  if (notify && handler_) handler_->on_close(id, tclo, session);
}

// OPEN: EBX = protocol | GUESTMSG_FLAG_COOKIE. Out: ECX = status << 16, EDX = id << 16
// (low half 0: OpenBSD checks), ESI/EDI = cookie high/low.
void GuestRpc::open(MsgRegs& r) {
  const uint32_t proto = r.ebx & ~bdoor::kFlagCookie;
  if (proto != bdoor::kProtoRpci && proto != bdoor::kProtoTclo) {
    r.ecx = 0;
    return;
  }
  for (unsigned id = 0; id < kMaxChannels; ++id) {
    Channel& c = ch_[id];
    if (c.open) continue;
    c.open = true;
    c.tclo = proto == bdoor::kProtoTclo;
    c.cookie = (r.ebx & bdoor::kFlagCookie) != 0;
    c.cookie_hi = next_cookie();
    c.cookie_lo = next_cookie();
    c.session = next_session_++;
    if (next_session_ == 0) next_session_ = 1;
    r.ecx = st(bdoor::kStSuccess);
    r.edx = uint32_t(id) << 16;
    r.esi = c.cookie_hi;
    r.edi = c.cookie_lo;
    return;
  }
  r.ecx = 0;  // every channel is in use
}

uint16_t GuestRpc::send_size(Channel& c, unsigned id, uint32_t n) {
  c.cpt = false;
  c.in.clear();
  c.in_active = false;
  if (n > bdoor::kMaxMessage) return 0;
  // A TCLO send is the reply to the command last delivered; the guest must have fetched
  // it first. RPCI: a new request discards an unread reply.
  if (c.out_ready && c.tclo) return 0;
  c.out_ready = false;
  c.out.clear();
  c.out_pos = 0;
  c.in_expected = n;
  c.in.reserve(n);  // exact: payload words never grow it past n
  c.in_active = true;
  uint16_t status = bdoor::kStSuccess | (advertise_hb_ ? bdoor::kStHb : 0);
  if (n == 0) complete(c, id);  // the TCLO poll / empty message
  return status;
}

uint16_t GuestRpc::send_payload(Channel& c, unsigned id, uint32_t word) {
  if (c.cpt) {
    c.cpt = false;
    return bdoor::kStCpt;
  }
  if (!c.in_active) return 0;
  for (unsigned i = 0; i < 4 && c.in.size() < c.in_expected; ++i)
    c.in.push_back(static_cast<char>(word >> (8 * i)));
  if (c.in.size() == c.in_expected) complete(c, id);
  return bdoor::kStSuccess;
}

// A whole guest message has arrived: one handler call, whose result waits for the guest.
void GuestRpc::complete(Channel& c, unsigned id) {
  c.in_active = false;
  std::string reply;
  if (handler_) reply = handler_->on_message(id, c.tclo, c.session, c.in);
  else if (!c.tclo) reply = kNoService;
  c.in.clear();
  c.in.shrink_to_fit();
  if (reply.size() > kMaxReply) reply = c.tclo ? std::string() : std::string(kReplyTooLarge);
  c.out = std::move(reply);
  c.out_pos = 0;
  c.out_ready = !c.tclo || !c.out.empty();  // an RPCI always gets a reply
}

void GuestRpc::message(MsgRegs& r) {
  std::lock_guard<std::mutex> g(lock_);
  sync_host_requests();
  const uint16_t type = uint16_t(r.ecx >> 16);
  if (type == bdoor::kMsgOpen) {
    open(r);
    return;
  }
  const unsigned id = r.edx >> 16;
  Channel* c = find(id, r.esi, r.edi, true);
  if (!c || type > bdoor::kMsgClose) {
    r.ecx = 0;
    return;
  }
  uint16_t status = 0;
  switch (type) {
    case bdoor::kMsgSendSize:
      status = send_size(*c, id, r.ebx);
      break;
    case bdoor::kMsgSendPayload:
      status = send_payload(*c, id, r.ebx);
      break;
    case bdoor::kMsgRecvSize:
      // Out: EBX = length, EDX[31:16] = 1 (the SENDSIZE type), DORECV if waiting.
      c->cpt = false;
      c->out_pos = 0;
      status = bdoor::kStSuccess;
      r.ebx = 0;
      if (c->out_ready) {
        status |= bdoor::kStDoRecv | (advertise_hb_ ? bdoor::kStHb : 0);
        r.ebx = uint32_t(c->out.size());
      }
      r.edx = (uint32_t(bdoor::kMsgSendSize) << 16) | (r.edx & 0xFFFF);
      break;
    case bdoor::kMsgRecvPayload:
      // Out: EBX = next 4 bytes (LE, zero-padded), EDX[31:16] = 2 (SENDPAYLOAD type).
      if (c->cpt) {
        c->cpt = false;
        status = bdoor::kStCpt;
        break;
      }
      if (!c->out_ready || c->out_pos >= c->out.size()) break;
      r.ebx = 0;
      for (unsigned i = 0; i < 4 && c->out_pos < c->out.size(); ++i, ++c->out_pos)
        r.ebx |= uint32_t(static_cast<uint8_t>(c->out[c->out_pos])) << (8 * i);
      r.edx = (uint32_t(bdoor::kMsgSendPayload) << 16) | (r.edx & 0xFFFF);
      status = bdoor::kStSuccess;
      break;
    case bdoor::kMsgRecvStatus:
      // EBX = 1: the guest has the message (consume it); 0: it failed (keep, rewind).
      if (c->cpt) {
        c->cpt = false;
        status = bdoor::kStCpt;
        break;
      }
      if (!c->out_ready) break;
      if (r.ebx & bdoor::kStSuccess) {
        c->out_ready = false;
        c->out.clear();
        c->out.shrink_to_fit();
      }
      c->out_pos = 0;
      status = bdoor::kStSuccess;
      break;
    case bdoor::kMsgClose:
      release(*c, id, true);
      status = bdoor::kStSuccess;
      break;
  }
  r.ecx = st(status);
}

uint16_t GuestRpc::hb_send(unsigned channel, uint32_t hi, uint32_t lo, size_t n,
                           HbBuffer& guest) {
  std::lock_guard<std::mutex> g(lock_);
  sync_host_requests();
  Channel* c = find(channel, hi, lo, true);
  if (!c) return 0;
  if (c->cpt) {
    c->cpt = false;
    return bdoor::kStCpt;
  }
  if (!c->in_active || n != c->in_expected - c->in.size()) return 0;
  const size_t have = c->in.size();
  c->in.resize(have + n);
  if (!guest.transfer(reinterpret_cast<uint8_t*>(&c->in[have]), n)) {
    c->in_active = false;  // the guest restarts from SENDSIZE
    c->in.clear();
    return 0;
  }
  complete(*c, channel);
  return bdoor::kStSuccess;
}

uint16_t GuestRpc::hb_recv(unsigned channel, uint32_t hi, uint32_t lo, size_t n,
                           HbBuffer& guest) {
  std::lock_guard<std::mutex> g(lock_);
  sync_host_requests();
  Channel* c = find(channel, hi, lo, true);
  if (!c) return 0;
  if (c->cpt) {
    c->cpt = false;
    return bdoor::kStCpt;
  }
  if (!c->out_ready || n != c->out.size() - c->out_pos) return 0;
  if (n && !guest.transfer(reinterpret_cast<uint8_t*>(&c->out[c->out_pos]), n)) return 0;
  c->out_pos += n;
  return bdoor::kStSuccess;
}

uint16_t GuestRpc::hb_send_bytes(unsigned channel, uint32_t hi, uint32_t lo, bool first,
                                 uint64_t total, const uint8_t* data, size_t n) {
  std::lock_guard<std::mutex> g(lock_);
  sync_host_requests();
  Channel* c = find(channel, hi, lo, true);
  if (!c) return 0;
  if (c->cpt) {
    c->cpt = false;
    c->in_active = false;
    c->in.clear();
    return bdoor::kStCpt;
  }
  const size_t room = c->in_active ? c->in_expected - c->in.size() : 0;
  if (!c->in_active || (first && total != room) || n > room) {
    c->in_active = false;  // the guest restarts from SENDSIZE
    c->in.clear();
    return 0;
  }
  c->in.append(reinterpret_cast<const char*>(data), n);
  if (c->in.size() == c->in_expected) complete(*c, channel);
  return bdoor::kStSuccess;
}

uint16_t GuestRpc::hb_recv_bytes(unsigned channel, uint32_t hi, uint32_t lo, bool first,
                                 uint64_t total, uint8_t* data, size_t n) {
  std::lock_guard<std::mutex> g(lock_);
  sync_host_requests();
  Channel* c = find(channel, hi, lo, true);
  if (!c) return 0;
  if (c->cpt) {
    c->cpt = false;
    return bdoor::kStCpt;
  }
  const size_t left = c->out_ready ? c->out.size() - c->out_pos : 0;
  if (!c->out_ready || (first && total != left) || n > left) return 0;
  std::memcpy(data, c->out.data() + c->out_pos, n);
  c->out_pos += n;
  return bdoor::kStSuccess;
}

size_t GuestRpc::buffered_bytes() {
  std::lock_guard<std::mutex> g(lock_);
  // Heap bytes only: a string's inline buffer holds std::string().capacity() bytes.
  const size_t inline_cap = std::string().capacity();
  size_t total = 0;
  for (const Channel& c : ch_) {
    if (c.in.capacity() > inline_cap) total += c.in.capacity();
    if (c.out.capacity() > inline_cap) total += c.out.capacity();
  }
  return total;
}

unsigned GuestRpc::open_channels() {
  std::lock_guard<std::mutex> g(lock_);
  unsigned n = 0;
  for (const Channel& c : ch_) n += c.open;
  return n;
}

}  // namespace vireo
