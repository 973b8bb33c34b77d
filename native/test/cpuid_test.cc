// The CPUID vCPUs get (core/cpuid.cc): VMX/SVM only with nested virtualization (VMware's
// vhv.enable), the hypervisor bit and APIC IDs always, KVM's own leaves replaced by VMware's.
#include "../src/core/cpuid.h"

#include "check.h"

using namespace vireo;

namespace {
constexpr uint32_t kVmx = 1u << 5;
constexpr uint32_t kSvm = 1u << 2;

std::vector<kvm_cpuid_entry2> host() {
  kvm_cpuid_entry2 leaf1{};
  leaf1.function = 1;
  leaf1.ecx = kVmx | 1u;  // VMX + SSE3, as KVM offers with nested=1 on Intel
  kvm_cpuid_entry2 ext{};
  ext.function = 0x80000001;
  ext.ecx = kSvm | 1u;  // SVM + LAHF, as KVM offers with nested=1 on AMD
  kvm_cpuid_entry2 kvm_sig{};
  kvm_sig.function = 0x40000000;
  kvm_sig.ebx = 0x4b4d564b;  // "KVMK"
  return {leaf1, ext, kvm_sig};
}

const kvm_cpuid_entry2* leaf(const std::vector<kvm_cpuid_entry2>& v, uint32_t fn) {
  for (const auto& e : v)
    if (e.function == fn) return &e;
  return nullptr;
}
}  // namespace

TEST(cpuid_hides_vmx_and_svm_unless_nested) {
  CpuidOptions o;
  o.cpus = 2;
  o.vcpu_index = 1;
  auto v = build_cpuid(host(), o);
  CHECK_EQ(leaf(v, 1)->ecx & kVmx, 0u);
  CHECK_EQ(leaf(v, 1)->ecx & 1u, 1u);  // other features untouched
  CHECK_EQ(leaf(v, 1)->ecx >> 31, 1u);  // hypervisor present
  CHECK_EQ(leaf(v, 1)->ebx >> 24, 1u);  // APIC ID
  CHECK_EQ(leaf(v, 0x80000001)->ecx & kSvm, 0u);
  CHECK_EQ(leaf(v, 0x80000001)->ecx & 1u, 1u);
}

TEST(cpuid_keeps_vmx_and_svm_with_nested) {
  CpuidOptions o;
  o.nested_virtualization = true;
  auto v = build_cpuid(host(), o);
  CHECK_EQ(leaf(v, 1)->ecx & kVmx, kVmx);
  CHECK_EQ(leaf(v, 0x80000001)->ecx & kSvm, kSvm);
}

TEST(cpuid_replaces_kvm_leaves_with_vmware) {
  auto v = build_cpuid(host(), CpuidOptions{});
  CHECK_EQ(leaf(v, 0x40000000)->ebx, 0x61774d56u);  // "VMwa"
  CHECK(leaf(v, 0x40000010) != nullptr);
}
