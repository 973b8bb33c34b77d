// The GuestRPC transports of the backdoor: LB command 30 MESSAGE (registered on the
// port like every other command), and the HB port 0x5659 (docs/vmware-backdoor.md §1.2), where one
// `rep outsb` (guest -> host) or `rep insb` (host -> guest) carries a whole GuestRPC
// payload. HB registers:
//   EAX magic, EBX = (SUCCESS << 16) | BDOORHB_CMD_MESSAGE (0), ECX = byte count,
//   EDX = (channel << 16) | 0x5659,
//   send: ESI = guest-virtual source, EDI = cookie-low, EBP = cookie-high;
//   recv: ESI = cookie-high, EDI = guest-virtual destination, EBP = cookie-low.
// EBX comes back as status << 16 (exactly 0x00010000 on success: OpenBSD vmt checks).
#include <algorithm>
#include <cstring>

#include "core/guest_memory.h"
#include "devices/vmware/backdoor.h"

namespace vireo {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kRflagsDf = 1u << 10;  // EFLAGS.DF: string ops run backwards

// A guest-virtual buffer, translated and bounds-checked one page at a time: a byte that
// is unmapped or outside guest RAM fails the whole transfer.
class GuestVirtBuffer : public HbBuffer {
 public:
  GuestVirtBuffer(VcpuContext& vcpu, uint64_t gva, bool to_host)
      : vcpu_(vcpu), gva_(gva), to_host_(to_host) {}
  bool transfer(uint8_t* host, size_t n) override {
    size_t done = 0;
    while (done < n) {
      const uint64_t va = gva_ + done;
      if (va < gva_) return false;  // wraps the address space
      const size_t chunk = size_t(std::min<uint64_t>(n - done, kPage - (va & (kPage - 1))));
      uint64_t gpa = 0;
      if (!vcpu_.translate(va, !to_host_, &gpa)) return false;
      // SAFETY: both return a pointer valid for `chunk` bytes inside one guest memory
      // region, or null when any byte of [gpa, gpa+chunk) is outside it; a store into
      // the guest (rep insb) also fails on a read-only region (ROM, flash).
      uint8_t* p = to_host_ ? vcpu_.memory().host_ptr(gpa, chunk) : vcpu_.memory().writable_ptr(gpa, chunk);
      if (!p) return false;
      if (to_host_) std::memcpy(host + done, p, chunk);
      else std::memcpy(p, host + done, chunk);
      done += chunk;
    }
    return true;
  }

 private:
  VcpuContext& vcpu_;
  uint64_t gva_;
  bool to_host_;
};

// Checks common to both paths: BDOORHB_CMD_MESSAGE in EBX[15:0], a count within the
// message limit, and forward string direction.
bool hb_request_ok(const Regs& r, uint64_t count) {
  return (r.rbx & 0xFFFF) == 0 && count > 0 && count <= bdoor::kMaxMessage &&
         !(r.rflags & kRflagsDf);
}

}  // namespace

bool Backdoor::MessageCommand::on_command(unsigned, BdoorRegs& r, VcpuContext& vcpu) {
  // Any message call ends an HB stream this vCPU left unfinished (a fault mid-`rep`).
  if (vcpu.index() < kMaxVcpus) port_.hb_[vcpu.index()].active = false;
  MsgRegs m{r.ebx, r.ecx, r.edx, r.esi, r.edi};
  port_.stats_.count_message(r.ecx >> 16);
  port_.rpc_.message(m);
  if (!(m.ecx >> 16 & bdoor::kStSuccess)) port_.stats_.count_rpc_failure();
  r.ebx = m.ebx;
  r.ecx = m.ecx;
  r.edx = m.edx;
  r.esi = m.esi;
  r.edi = m.edi;
  return true;
}

void Backdoor::hb_copy(VcpuContext& vcpu, bool guest_to_host) {
  Regs& regs = vcpu.regs();
  if (uint32_t(regs.rax) != bdoor::kMagic) {
    stats_.count_bad_magic();
    return;
  }
  const uint32_t n = uint32_t(regs.rcx);
  if (n == 0) return;  // a zero count moves nothing and changes nothing
  stats_.count_hb(guest_to_host);
  uint16_t status = 0;
  const unsigned channel = uint32_t(regs.rdx) >> 16;
  if (hb_request_ok(regs, n)) {
    if (guest_to_host) {
      GuestVirtBuffer src(vcpu, regs.rsi, true);
      status = rpc_.hb_send(channel, uint32_t(regs.rbp), uint32_t(regs.rdi), n, src);
    } else {
      GuestVirtBuffer dst(vcpu, regs.rdi, false);
      status = rpc_.hb_recv(channel, uint32_t(regs.rsi), uint32_t(regs.rbp), n, dst);
    }
  }
  if (status & bdoor::kStSuccess) {
    stats_.count_hb_bytes(n);
    regs.rcx = 0;  // as after a completed `rep`
    if (guest_to_host) regs.rsi += n;
    else regs.rdi += n;
  } else {
    stats_.count_rpc_failure();
  }
  regs.rbx = uint32_t(status) << 16;
  vcpu.mark_regs_dirty();
}

void Backdoor::hb_finish(VcpuContext& vcpu, HbStream& s) {
  Regs& regs = vcpu.regs();
  regs.rbx = uint32_t(s.ok ? bdoor::kStSuccess : s.fail) << 16;
  vcpu.mark_regs_dirty();
  if (s.ok) stats_.count_hb_bytes(s.total);
  else stats_.count_rpc_failure();
  s.active = false;
}

// `rep outsb`: one exit per byte; RCX and RSI already count this byte (KVM completes an
// OUTS iteration before the exit). The stream continues while channel, cookies and the
// remaining count line up with what was seen.
void Backdoor::hb_out(VcpuContext& vcpu, uint8_t byte) {
  Regs& regs = vcpu.regs();
  if (uint32_t(regs.rax) != bdoor::kMagic) {
    stats_.count_bad_magic();
    return;
  }
  if (vcpu.index() >= kMaxVcpus) return;
  HbStream& s = hb_[vcpu.index()];
  const uint64_t remaining = uint32_t(regs.rcx);
  const unsigned channel = uint32_t(regs.rdx) >> 16;
  const uint32_t hi = uint32_t(regs.rbp), lo = uint32_t(regs.rdi);
  const bool continues = s.active && s.send && s.channel == channel && s.hi == hi &&
                         s.lo == lo && s.done + 1 + remaining == s.total;
  if (!continues) {
    stats_.count_hb(true);
    s = HbStream();
    s.active = s.send = true;
    s.channel = channel;
    s.hi = hi;
    s.lo = lo;
    s.total = remaining + 1;
    s.ok = hb_request_ok(regs, s.total);
  }
  if (s.ok) {
    const uint16_t st = rpc_.hb_send_bytes(channel, hi, lo, s.done == 0, s.total, &byte, 1);
    if (!(st & bdoor::kStSuccess)) {
      s.ok = false;
      s.fail = st;
    }
  }
  ++s.done;
  if (!s.ok && s.done < s.total) {
    // Stop the `rep` early: KVM re-reads RCX before the next iteration.
    regs.rcx = 0;
    s.done = s.total;
  }
  if (s.done == s.total) hb_finish(vcpu, s);
}

// `rep insb`: one exit per chunk of up to a page; RCX and RDI still describe the chunk
// and the rest, and the core calls this once per byte of the chunk. KVM writes the data
// area to guest memory and advances RCX/RDI on re-entry, so neither is touched here.
void Backdoor::hb_in(VcpuContext& vcpu, uint8_t* byte) {
  Regs& regs = vcpu.regs();
  if (uint32_t(regs.rax) != bdoor::kMagic) {
    stats_.count_bad_magic();
    *byte = 0xFF;
    return;
  }
  *byte = 0;
  if (vcpu.index() >= kMaxVcpus) return;
  HbStream& s = hb_[vcpu.index()];
  const uint64_t rcx = uint32_t(regs.rcx);
  const unsigned channel = uint32_t(regs.rdx) >> 16;
  const uint32_t hi = uint32_t(regs.rsi), lo = uint32_t(regs.rbp);
  const bool same_ids = s.active && !s.send && s.channel == channel && s.hi == hi && s.lo == lo;
  const bool same_chunk = same_ids && rcx == s.chunk_rcx && regs.rdi == s.chunk_rdi;
  const bool next_chunk = same_ids && !same_chunk && rcx == s.total - s.done;
  if (!same_chunk && !next_chunk) {
    stats_.count_hb(false);
    s = HbStream();
    s.active = true;
    s.channel = channel;
    s.hi = hi;
    s.lo = lo;
    s.total = rcx;
    s.ok = hb_request_ok(regs, s.total);
  }
  s.chunk_rcx = rcx;
  s.chunk_rdi = regs.rdi;
  if (s.total == 0) {  // a zero count moves nothing
    s.active = false;
    return;
  }
  if (s.ok) {
    const uint16_t st = rpc_.hb_recv_bytes(channel, hi, lo, s.done == 0, s.total, byte, 1);
    if (!(st & bdoor::kStSuccess)) {
      s.ok = false;
      s.fail = st;
      *byte = 0;
    }
  }
  if (++s.done == s.total) hb_finish(vcpu, s);
}

}  // namespace vireo
