// Decoder for the instructions a traced process can fault on that the tracer serves:
// port I/O (IN, OUT, INS, OUTS, with the rep/operand-size/address-size/segment prefixes)
// and CPUID. 64-bit code only (the tracer refuses other code segments).
//
// Encodings: Intel SDM vol. 2 (IN E4/E5/EC/ED, OUT E6/E7/EE/EF, INS 6C/6D, OUTS 6E/6F,
// CPUID 0F A2); these are also the only port instructions Linux KVM emulates on a #GP
// with kvm.enable_vmware_backdoor (arch/x86/kvm/x86.c is_vmware_backdoor_opcode), which
// is what the tracer stands in for.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bdtrace {

enum class InsnKind { kNone, kIn, kOut, kIns, kOuts, kCpuid };

// Segment override prefixes that matter in 64-bit mode (only FS and GS have a base).
enum class SegOverride { kNone, kFs, kGs };

struct Insn {
  InsnKind kind = InsnKind::kNone;
  unsigned length = 0;        // bytes, prefixes included
  unsigned size = 0;          // operand bytes: 1, 2 or 4 (I/O only)
  bool port_imm = false;      // port from an imm8 (else DX)
  uint8_t port = 0;           // the imm8
  bool rep = false;           // F3 or F2 on INS/OUTS (both repeat string port I/O)
  bool addr32 = false;        // 67: RCX/RSI/RDI used as ECX/ESI/EDI
  SegOverride seg = SegOverride::kNone;  // OUTS source (INS always stores to ES)
};

// Decodes the instruction at the start of `bytes` (n bytes readable, at most 15 used).
// Returns kind kNone for anything else, including LOCK-prefixed and truncated forms.
Insn decode(const uint8_t* bytes, size_t n);

}  // namespace bdtrace
