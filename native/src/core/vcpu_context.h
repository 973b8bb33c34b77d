// VcpuContext: what a device sees of the vCPU that caused an exit. Devices never see a
// KVM fd; the core implements this on top of kvm_run sync regs (measured on the build
// hosts: sync regs cost ~0.3 us per exit where KVM_GET/SET_REGS cost ~4 us).
#pragma once
#include <cstdint>

namespace vireo {

class GuestMemory;

// Same field order as struct kvm_regs (linux/kvm.h, x86), so the core can copy it.
struct Regs {
  uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rip, rflags;
};

class VcpuContext {
 public:
  virtual ~VcpuContext() = default;
  virtual unsigned index() const = 0;
  // General registers of the exiting vCPU. Writes through the returned reference are
  // not seen by the guest unless mark_regs_dirty() is called. On an `in` exit after
  // mark_regs_dirty(), the core also copies the port data into RAX[size] itself (the
  // register write would otherwise win over the I/O data area: seen on the build hosts'
  // KVM, the value in the data area did not reach EAX).
  virtual Regs& regs() = 0;
  virtual void mark_regs_dirty() = 0;
  // Current privilege level (CS.DPL / SS.DPL).
  virtual unsigned cpl() = 0;
  // Guest-virtual to guest-physical through the guest's page tables (KVM_TRANSLATE).
  // Returns false when the address is not mapped (or, if `write`, not writable).
  virtual bool translate(uint64_t gva, bool write, uint64_t* gpa) = 0;
  virtual GuestMemory& memory() = 0;
};

}  // namespace vireo
