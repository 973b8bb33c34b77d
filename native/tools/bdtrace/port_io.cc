#include "port_io.h"

#include <algorithm>
#include <cstring>

#include "devices/vmware/backdoor_defs.h"

namespace bdtrace {

namespace {

constexpr uint64_t kPage = 4096;
constexpr unsigned kReadAhead = 1024;  // sizeof(struct read_cache.data), arch/x86/kvm/kvm_emulate.h

bool backdoor_port(uint16_t port) {
  return port == vireo::bdoor::kPortLb || port == vireo::bdoor::kPortHb;
}

// A 32-bit address size writes the low half and zero-extends (emulate.c assign_register).
void assign(uint64_t& reg, uint64_t value, uint64_t mask) { reg = value & mask; }

IoResult run_outs(const Insn& insn, uint16_t port, vireo::PioBus& bus, vireo::VcpuContext& vcpu,
                  ProcessMemory& mem, uint64_t seg_base, uint64_t mask) {
  vireo::Regs& r = vcpu.regs();
  const bool down = (r.rflags & kRflagsDf) != 0;
  // Source bytes of the page being read, fetched once (forward direction only; a
  // backwards `rep outs` reads element by element).
  uint8_t page[kPage];
  uint64_t page_addr = 0;
  size_t page_len = 0;
  for (uint64_t done = 0;; ++done) {
    if (insn.rep && (r.rcx & mask) == 0) break;
    if (done == kMaxElements) return IoResult::kPartial;
    const uint64_t src = seg_base + (r.rsi & mask);
    uint8_t elem[4];
    if (!down && src >= page_addr && src + insn.size <= page_addr + page_len) {
      std::memcpy(elem, page + (src - page_addr), insn.size);
    } else if (!down) {
      page_addr = src;
      page_len = mem.read(src, page, kPage - (src & (kPage - 1)));
      if (page_len < insn.size) {
        // The element may straddle into the next page.
        page_len = mem.read(src, page, insn.size);
        if (page_len < insn.size) return IoResult::kFault;
      }
      std::memcpy(elem, page, insn.size);
    } else if (mem.read(src, elem, insn.size) < insn.size) {
      return IoResult::kFault;
    }
    // KVM's exit for OUTS comes after the iteration: RSI and RCX already count it.
    assign(r.rsi, down ? r.rsi - insn.size : r.rsi + insn.size, mask);
    if (insn.rep) assign(r.rcx, r.rcx - 1, mask);
    vcpu.mark_regs_dirty();
    bus.write(port, elem, insn.size, vcpu);
    if (!insn.rep) break;
  }
  r.rip += insn.length;
  return IoResult::kDone;
}

IoResult run_ins(const Insn& insn, uint16_t port, vireo::PioBus& bus, vireo::VcpuContext& vcpu,
                 ProcessMemory& mem, uint64_t mask) {
  vireo::Regs& r = vcpu.regs();
  const bool down = (r.rflags & kRflagsDf) != 0;
  uint8_t data[kReadAhead];
  for (uint64_t done = 0;;) {
    const uint64_t count = insn.rep ? (r.rcx & mask) : 1;
    if (count == 0) break;
    if (done >= kMaxElements) return IoResult::kPartial;
    const uint64_t rdi = r.rdi & mask;
    const uint64_t in_page = down ? (rdi & (kPage - 1)) : kPage - (rdi & (kPage - 1));
    uint64_t n = std::min<uint64_t>({in_page, kReadAhead / insn.size, count});
    if (n == 0) n = 1;
    for (uint64_t k = 0; k < n; ++k) bus.read(port, data + k * insn.size, insn.size, vcpu);
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t dst = r.rdi & mask;
      if (mem.write(dst, data + k * insn.size, insn.size) < insn.size) {
        vcpu.mark_regs_dirty();
        return IoResult::kFault;
      }
      assign(r.rdi, down ? r.rdi - insn.size : r.rdi + insn.size, mask);
      if (insn.rep) assign(r.rcx, r.rcx - 1, mask);
    }
    done += n;
    vcpu.mark_regs_dirty();
    if (!insn.rep) break;
  }
  r.rip += insn.length;
  return IoResult::kDone;
}

}  // namespace

IoResult run_port_io(const Insn& insn, vireo::PioBus& bus, vireo::VcpuContext& vcpu,
                     ProcessMemory& mem, uint64_t seg_base) {
  vireo::Regs& r = vcpu.regs();
  const uint16_t port = insn.port_imm ? insn.port : uint16_t(r.rdx);
  if (!backdoor_port(port)) return IoResult::kNotOurs;
  const uint64_t mask = insn.addr32 ? 0xFFFFFFFFull : ~0ull;
  switch (insn.kind) {
    case InsnKind::kIn: {
      uint8_t data[4];
      bus.read(port, data, insn.size, vcpu);
      uint32_t v = 0;
      std::memcpy(&v, data, insn.size);
      if (insn.size == 1) r.rax = (r.rax & ~0xFFull) | v;
      else if (insn.size == 2) r.rax = (r.rax & ~0xFFFFull) | v;
      else r.rax = v;  // a 32-bit destination zero-extends into RAX
      r.rip += insn.length;
      return IoResult::kDone;
    }
    case InsnKind::kOut: {
      uint8_t data[4];
      std::memcpy(data, &r.rax, insn.size);
      bus.write(port, data, insn.size, vcpu);
      r.rip += insn.length;
      return IoResult::kDone;
    }
    case InsnKind::kOuts: return run_outs(insn, port, bus, vcpu, mem, seg_base, mask);
    case InsnKind::kIns: return run_ins(insn, port, bus, vcpu, mem, mask);
    default: return IoResult::kNotOurs;
  }
}

}  // namespace bdtrace
