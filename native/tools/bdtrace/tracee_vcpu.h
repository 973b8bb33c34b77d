// TraceeVcpu: the VcpuContext the backdoor device sees for one stopped thread of a traced
// process. Registers are the thread's user_regs_struct (PTRACE_GETREGS) mapped to
// vireo::Regs; the thread runs at CPL 3. The port path never needs guest-virtual
// translation (string bytes go through the tracer, as through KVM's data area), so
// translate() reports every address unmapped and memory() is empty.
#pragma once
#include <sys/user.h>

#include "core/guest_memory.h"
#include "core/vcpu_context.h"

namespace bdtrace {

vireo::Regs from_user_regs(const user_regs_struct& u);
// Writes the general registers, RIP and RFLAGS back into `u` (segments and bases kept).
void to_user_regs(const vireo::Regs& r, user_regs_struct& u);

class TraceeVcpu : public vireo::VcpuContext {
 public:
  TraceeVcpu(unsigned index, const user_regs_struct& u) : index_(index), regs_(from_user_regs(u)) {}
  unsigned index() const override { return index_; }
  vireo::Regs& regs() override { return regs_; }
  void mark_regs_dirty() override {}  // the tracer writes every register back
  unsigned cpl() override { return 3; }
  bool translate(uint64_t, bool, uint64_t*) override { return false; }
  vireo::GuestMemory& memory() override { return memory_; }

 private:
  unsigned index_;
  vireo::Regs regs_;
  vireo::GuestMemory memory_;
};

}  // namespace bdtrace
