#include "tracee_vcpu.h"

namespace bdtrace {

vireo::Regs from_user_regs(const user_regs_struct& u) {
  vireo::Regs r{};
  r.rax = u.rax;
  r.rbx = u.rbx;
  r.rcx = u.rcx;
  r.rdx = u.rdx;
  r.rsi = u.rsi;
  r.rdi = u.rdi;
  r.rsp = u.rsp;
  r.rbp = u.rbp;
  r.r8 = u.r8;
  r.r9 = u.r9;
  r.r10 = u.r10;
  r.r11 = u.r11;
  r.r12 = u.r12;
  r.r13 = u.r13;
  r.r14 = u.r14;
  r.r15 = u.r15;
  r.rip = u.rip;
  r.rflags = u.eflags;
  return r;
}

void to_user_regs(const vireo::Regs& r, user_regs_struct& u) {
  u.rax = r.rax;
  u.rbx = r.rbx;
  u.rcx = r.rcx;
  u.rdx = r.rdx;
  u.rsi = r.rsi;
  u.rdi = r.rdi;
  u.rsp = r.rsp;
  u.rbp = r.rbp;
  u.r8 = r.r8;
  u.r9 = r.r9;
  u.r10 = r.r10;
  u.r11 = r.r11;
  u.r12 = r.r12;
  u.r13 = r.r13;
  u.r14 = r.r14;
  u.r15 = r.r15;
  u.rip = r.rip;
  u.eflags = r.rflags;
}

}  // namespace bdtrace
