#include "cpuid.h"

namespace vireo {

namespace {
constexpr uint32_t kHypervisorBase = 0x40000000;
constexpr uint32_t kVmwareTiming = 0x40000010;
constexpr uint32_t kVmxBit = 1u << 5;  // CPUID.1:ECX[5] (Intel SDM vol. 2A, CPUID)
constexpr uint32_t kSvmBit = 1u << 2;  // CPUID.80000001h:ECX[2] (AMD APM vol. 3, CPUID)
}  // namespace

std::vector<kvm_cpuid_entry2> build_cpuid(const std::vector<kvm_cpuid_entry2>& supported,
                                          const CpuidOptions& o) {
  std::vector<kvm_cpuid_entry2> out;
  for (kvm_cpuid_entry2 e : supported) {
    // Drop KVM's own paravirt leaves (0x40000000-0x400000ff).
    if (e.function >= kHypervisorBase && e.function < kHypervisorBase + 0x100) continue;
    switch (e.function) {
      case 1:
        e.ecx |= 1u << 31;  // CPUID.1:ECX[31] hypervisor present
        e.ebx = (e.ebx & 0x0000ffff) | (o.vcpu_index << 24) | ((o.cpus & 0xff) << 16);
        e.edx |= 1u << 28;  // HTT: EBX[23:16] is meaningful
        if (!o.nested_virtualization) e.ecx &= ~kVmxBit;
        break;
      case 0x80000001:
        if (!o.nested_virtualization) e.ecx &= ~kSvmBit;
        break;
      case 0xb:
      case 0x1f:
        e.edx = o.vcpu_index;  // x2APIC ID
        break;
      default:
        break;
    }
    out.push_back(e);
  }
  kvm_cpuid_entry2 base{};
  base.function = kHypervisorBase;
  base.eax = kVmwareTiming;  // highest hypervisor leaf
  base.ebx = 0x61774d56;     // "VMwa"
  base.ecx = 0x4d566572;     // "reVM"
  base.edx = 0x65726177;     // "ware"
  out.push_back(base);
  kvm_cpuid_entry2 timing{};
  timing.function = kVmwareTiming;
  timing.eax = o.tsc_khz;       // TSC frequency in kHz (QEMU vmware-cpuid-freq)
  timing.ebx = o.apic_bus_khz;  // LAPIC bus frequency in kHz
  out.push_back(timing);
  return out;
}

}  // namespace vireo
