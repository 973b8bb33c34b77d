// The tracer's decoder of faulting port I/O and CPUID instructions (native/tools/bdtrace/
// insn_decode.h): every form open-vm-tools, iPXE and OpenBSD use, with prefixes.
#include "../tools/bdtrace/insn_decode.h"
#include "check.h"

using namespace bdtrace;

namespace {
Insn dec(std::initializer_list<uint8_t> b) {
  std::vector<uint8_t> v(b);
  return decode(v.data(), v.size());
}
}  // namespace

TEST(decode_in_out_forms) {
  Insn i = dec({0xED});  // in eax,dx (open-vm-tools lib/backdoor, Linux vmware.h)
  CHECK(i.kind == InsnKind::kIn);
  CHECK_EQ(i.size, 4u);
  CHECK_EQ(i.length, 1u);
  CHECK(!i.port_imm);
  i = dec({0x66, 0xED});  // in ax,dx
  CHECK_EQ(i.size, 2u);
  CHECK_EQ(i.length, 2u);
  i = dec({0xEC});
  CHECK_EQ(i.size, 1u);
  i = dec({0xEF});  // out dx,eax
  CHECK(i.kind == InsnKind::kOut);
  CHECK_EQ(i.size, 4u);
  i = dec({0xE5, 0x58});  // in eax,0x58 (an imm8 port can never be the backdoor's)
  CHECK(i.kind == InsnKind::kIn);
  CHECK(i.port_imm);
  CHECK_EQ(i.port, 0x58);
  CHECK_EQ(i.length, 2u);
  CHECK(dec({0xE5}).kind == InsnKind::kNone);  // truncated imm8
  i = dec({0x48, 0xED});  // REX.W does not widen IN
  CHECK_EQ(i.size, 4u);
  CHECK_EQ(i.length, 2u);
}

TEST(decode_string_forms_and_prefixes) {
  Insn i = dec({0xF3, 0x6E});  // rep outsb (Backdoor_HbOut)
  CHECK(i.kind == InsnKind::kOuts);
  CHECK(i.rep);
  CHECK_EQ(i.size, 1u);
  CHECK_EQ(i.length, 2u);
  i = dec({0xF3, 0x6C});  // rep insb (Backdoor_HbIn)
  CHECK(i.kind == InsnKind::kIns);
  CHECK(i.rep);
  i = dec({0x6D});  // insd, no rep
  CHECK(i.kind == InsnKind::kIns);
  CHECK(!i.rep);
  CHECK_EQ(i.size, 4u);
  i = dec({0x67, 0xF3, 0x66, 0x6F});  // addr32 rep outsw
  CHECK(i.addr32);
  CHECK(i.rep);
  CHECK_EQ(i.size, 2u);
  CHECK_EQ(i.length, 4u);
  i = dec({0x64, 0xF3, 0x6E});  // rep outsb fs:[rsi]
  CHECK(i.seg == SegOverride::kFs);
  i = dec({0x65, 0x3E, 0x6E});  // the last segment prefix wins
  CHECK(i.seg == SegOverride::kNone);
  i = dec({0xF2, 0x6C});  // REPNE repeats INS/OUTS as REP does
  CHECK(i.rep);
  CHECK(dec({0xF0, 0xED}).kind == InsnKind::kNone);  // LOCK: #UD, not ours
  CHECK(dec({0x90}).kind == InsnKind::kNone);
  CHECK(dec({}).kind == InsnKind::kNone);
  // 15 prefixes and no opcode: longer than an instruction may be.
  std::vector<uint8_t> longest(15, 0x66);
  longest.push_back(0xED);
  CHECK(decode(longest.data(), longest.size()).kind == InsnKind::kNone);
}

TEST(decode_cpuid) {
  Insn i = dec({0x0F, 0xA2});
  CHECK(i.kind == InsnKind::kCpuid);
  CHECK_EQ(i.length, 2u);
  CHECK(dec({0x0F, 0x05}).kind == InsnKind::kNone);  // syscall
  CHECK(dec({0x0F}).kind == InsnKind::kNone);
}
