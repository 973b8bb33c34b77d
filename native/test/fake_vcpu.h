// FakeVcpu: a VcpuContext for unit tests: registers in a struct, guest memory from a
// GuestMemory the test builds, identity translation unless a test installs a map.
#pragma once
#include <functional>

#include "core/guest_memory.h"
#include "core/vcpu_context.h"

namespace vireo_test {

class FakeVcpu : public vireo::VcpuContext {
 public:
  explicit FakeVcpu(vireo::GuestMemory& mem, unsigned idx = 0) : mem_(mem), idx_(idx) {}
  unsigned index() const override { return idx_; }
  vireo::Regs& regs() override { return regs_; }
  void mark_regs_dirty() override { dirty = true; }
  unsigned cpl() override { return cpl_value; }
  bool translate(uint64_t gva, bool write, uint64_t* gpa) override {
    if (translator) return translator(gva, write, gpa);
    *gpa = gva;
    return true;
  }
  vireo::GuestMemory& memory() override { return mem_; }

  vireo::Regs regs_{};
  bool dirty = false;
  unsigned cpl_value = 0;
  std::function<bool(uint64_t, bool, uint64_t*)> translator;

 private:
  vireo::GuestMemory& mem_;
  unsigned idx_;
};

}  // namespace vireo_test
