// What this host can do, shaped for the UI toggles: each toggle says whether it is
// supported and, when not, why (read from KVM and its module parameters).
import type { HostCapabilities } from '../common/protocol';
import { loadNative, type NativeHostInfo } from './native';

export function capabilitiesFrom(info: NativeHostInfo): HostCapabilities {
  const backdoorOn = info.vmwareBackdoorParam === 'Y' || info.vmwareBackdoorParam === '1';
  const nestedOn = info.nestedParam === 'Y' || info.nestedParam === '1';
  const noKvm = info.kvm ? undefined : (info.kvmError?.message ?? '/dev/kvm is not available');
  return {
    kvm: info.kvm,
    kvmError: info.kvmError ? { code: info.kvmError.code as never, message: info.kvmError.message } : undefined,
    nested: {
      exposeVirtualization: {
        supported: !noKvm && nestedOn && !!info.nestedState,
        enabled: false,
        reason:
          noKvm ??
          (info.vendorModule === 'kvm_pvm'
            ? "this host's KVM (kvm_pvm) has no nested virtualization (KVM_CAP_NESTED_STATE is 0)"
            : !nestedOn
            ? `nested virtualization is off in the host's KVM (${info.vendorModule || 'kvm'} nested=${info.nestedParam || 'absent'}): load the module with nested=1`
            : !info.nestedState
              ? 'this host KVM has no KVM_CAP_NESTED_STATE'
              : undefined),
      },
      backdoorFromCpl3: {
        supported: !noKvm && backdoorOn,
        enabled: backdoorOn,
        reason:
          noKvm ??
          (backdoorOn
            ? undefined
            : 'kvm.enable_vmware_backdoor=N: VMware Tools in guest user mode (vmtoolsd) fault on the backdoor port; ' +
              'remedy: options kvm enable_vmware_backdoor=1 (then reload kvm)'),
      },
      l0HandlesL2Backdoor: {
        supported: false,
        enabled: false,
        reason: noKvm ?? 'needs KVM_CAP_X86_VMWARE_NESTED_BACKDOOR_L0, which is not in mainline KVM',
      },
    },
  };
}

export function hostCapabilities(): HostCapabilities {
  return capabilitiesFrom(loadNative().hostInfo(process.env.VIREO_KVM_DEVICE));
}
