// HB port 0x5659 (doc §1.2): one `rep outsb` (guest -> host) or `rep insb` (host ->
// guest) carries a whole GuestRPC payload. Registers:
//   EAX magic, EBX = (SUCCESS << 16) | BDOORHB_CMD_MESSAGE (0), ECX = byte count,
//   EDX = (channel << 16) | 0x5659,
//   send: ESI = guest-virtual source, EDI = cookie-low, EBP = cookie-high;
//   recv: ESI = cookie-high, EDI = guest-virtual destination, EBP = cookie-low.
#include <algorithm>
#include <cstring>

#include "../core/guest_memory.h"
#include "backdoor.h"

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
      // SAFETY: host_ptr returns a pointer valid for `chunk` bytes inside one guest RAM
      // region, or null when any byte of [gpa, gpa+chunk) is outside guest memory.
      uint8_t* p = vcpu_.memory().host_ptr(gpa, chunk);
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

}  // namespace

void Backdoor::hb_transfer(VcpuContext& vcpu, bool guest_to_host) {
  Regs& regs = vcpu.regs();
  if (uint32_t(regs.rax) != bdoor::kMagic) {
    stats_.count_bad_magic();
    return;
  }
  const uint32_t n = uint32_t(regs.rcx);
  if (n == 0) return;  // a zero-count rep moves nothing (also: the rest of a finished rep)
  stats_.count_hb(guest_to_host);
  uint16_t status = 0;
  const bool is_message = (regs.rbx & 0xFFFF) == 0;  // BDOORHB_CMD_MESSAGE
  const unsigned channel = uint32_t(regs.rdx) >> 16;
  if (is_message && n <= bdoor::kMaxMessage && !(regs.rflags & kRflagsDf)) {
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
  regs.rbx = uint32_t(status) << 16;  // low half 0: OpenBSD requires exactly 0x00010000
  vcpu.mark_regs_dirty();
}

}  // namespace vireo
