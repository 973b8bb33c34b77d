#include "insn_decode.h"

namespace bdtrace {

namespace {
constexpr size_t kMaxInsn = 15;  // SDM vol. 2 §2.3.11: longer is #GP
}

Insn decode(const uint8_t* bytes, size_t n) {
  if (n > kMaxInsn) n = kMaxInsn;
  Insn insn;
  bool opsize16 = false;
  size_t i = 0;
  // Legacy prefixes in any order, then at most one REX immediately before the opcode.
  for (; i < n; ++i) {
    const uint8_t b = bytes[i];
    if (b == 0x66) opsize16 = true;
    else if (b == 0x67) insn.addr32 = true;
    else if (b == 0xF2 || b == 0xF3) insn.rep = true;
    else if (b == 0x64) insn.seg = SegOverride::kFs;
    else if (b == 0x65) insn.seg = SegOverride::kGs;
    else if (b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26) insn.seg = SegOverride::kNone;
    else if (b == 0xF0) return Insn();  // LOCK on these is #UD
    else break;
  }
  if (i < n && (bytes[i] & 0xF0) == 0x40) ++i;  // REX: W does not widen port I/O
  if (i >= n) return Insn();
  const uint8_t op = bytes[i++];
  const unsigned wide = opsize16 ? 2 : 4;
  auto done = [&](InsnKind kind, unsigned size) {
    insn.kind = kind;
    insn.size = size;
    insn.length = unsigned(i);
    return insn;
  };
  switch (op) {
    case 0xE4:
    case 0xE5:
    case 0xE6:
    case 0xE7:
      if (i >= n) return Insn();
      insn.port_imm = true;
      insn.port = bytes[i++];
      insn.rep = false;
      return done(op < 0xE6 ? InsnKind::kIn : InsnKind::kOut, (op & 1) ? wide : 1);
    case 0xEC:
    case 0xED:
    case 0xEE:
    case 0xEF:
      insn.rep = false;
      return done(op < 0xEE ? InsnKind::kIn : InsnKind::kOut, (op & 1) ? wide : 1);
    case 0x6C:
    case 0x6D:
    case 0x6E:
    case 0x6F:
      return done(op < 0x6E ? InsnKind::kIns : InsnKind::kOuts, (op & 1) ? wide : 1);
    case 0x0F:
      if (i < n && bytes[i] == 0xA2) {
        ++i;
        insn.rep = false;
        return done(InsnKind::kCpuid, 0);
      }
      return Insn();
    default:
      return Insn();
  }
}

}  // namespace bdtrace
