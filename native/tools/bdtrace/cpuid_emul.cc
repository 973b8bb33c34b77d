#include "cpuid_emul.h"

#include <cpuid.h>

#include <vector>

#include "core/cpuid.h"

namespace bdtrace {

CpuidResult host_cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidResult r{};
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

CpuidResult vireo_cpuid(uint32_t leaf, CpuidResult host, uint32_t tsc_khz) {
  constexpr uint32_t kBase = 0x40000000;
  if (leaf >= kBase && leaf < kBase + 0x100) {
    // The VM's hypervisor leaves, from the one place that defines them.
    vireo::CpuidOptions options;
    options.tsc_khz = tsc_khz;
    for (const kvm_cpuid_entry2& e : vireo::build_cpuid({}, options))
      if (e.function == leaf) return {e.eax, e.ebx, e.ecx, e.edx};
    return {0, 0, 0, 0};
  }
  if (leaf == 1) host.ecx |= 1u << 31;  // hypervisor present
  return host;
}

}  // namespace bdtrace
