// CPUID as a Vireo vCPU reports it, for a traced process whose CPUID faults into the
// tracer (CPUID faulting: arch_prctl(ARCH_SET_CPUID, 0), Documentation/arch/x86/
// cpuid-faulting.rst; per thread, inherited by clone, reset by execve). The host CPU's
// leaves with the hypervisor bit set (CPUID.1:ECX[31]), and the hypervisor range
// 0x40000000-0x400000FF exactly as native/src/core/cpuid.cc builds it for a VM
// ("VMwareVMware", max leaf 0x40000010), which is what open-vm-tools' VmCheck reads.
#pragma once
#include <cstdint>

namespace bdtrace {

constexpr int kArchSetCpuid = 0x1012;  // arch/x86/include/uapi/asm/prctl.h

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};

// `host` is the host CPU's answer for (leaf, subleaf); `tsc_khz` goes to leaf 0x40000010.
CpuidResult vireo_cpuid(uint32_t leaf, CpuidResult host, uint32_t tsc_khz);

// The host CPU's answer (the tracer runs CPUID itself).
CpuidResult host_cpuid(uint32_t leaf, uint32_t subleaf);

}  // namespace bdtrace
