// The CPUID a vCPU sees: KVM_GET_SUPPORTED_CPUID with the hypervisor bit, per-vCPU APIC
// IDs, and the VMware hypervisor leaves instead of KVM's (docs/vmware-backdoor.md §10:
// open-vm-tools refuses to run when leaf 0x40000000 says "KVMKVMKVM"). VMX and SVM are
// shown only when the VM asks for nested virtualization (VMware's `vhv.enable`), as
// VMware does; KVM then refuses VMXON/EFER.SVME to a guest whose CPUID lacks them
// (Linux arch/x86/kvm/vmx/nested.h nested_vmx_allowed, arch/x86/kvm/x86.c __kvm_valid_efer).
#pragma once
#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace vireo {

struct CpuidOptions {
  unsigned vcpu_index = 0;
  unsigned cpus = 1;
  uint32_t tsc_khz = 0;      // leaf 0x40000010 EAX
  uint32_t apic_bus_khz = 1000000;  // KVM's LAPIC timer ticks at 1 GHz (1 ns per cycle)
  bool nested_virtualization = false;  // keep CPUID.1:ECX.VMX / CPUID.80000001h:ECX.SVM
};

std::vector<kvm_cpuid_entry2> build_cpuid(const std::vector<kvm_cpuid_entry2>& supported,
                                          const CpuidOptions& options);

}  // namespace vireo
