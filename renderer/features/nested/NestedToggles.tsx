// Nested-virtualization switches. Each is enabled only where the host supports it
// (HostCapabilities.nested from the VM host's hello); otherwise it is disabled and the
// host's reason is shown next to it.
import type { Toggle } from '../../../electron/common/protocol';
import type { NestedSettings } from '../../../electron/common/appProtocol';
import { useVmStore } from '../../store/vmStore';

const LABELS: Record<keyof NestedSettings, { title: string; hint: string }> = {
  exposeVirtualization: { title: 'Virtualize Intel VT-x / AMD-V', hint: 'Lets the guest run its own hypervisor (VMware vhv.enable).' },
  backdoorFromCpl3: { title: 'Backdoor from user mode (CPL 3)', hint: 'Guest applications may use the VMware backdoor port without kernel help.' },
  l0HandlesL2Backdoor: { title: 'Answer the backdoor for nested (L2) guests', hint: 'Backdoor accesses of an L2 guest are answered here instead of by the L1 hypervisor.' },
};

export function NestedToggles({ value, onChange }: { value: NestedSettings; onChange: (v: NestedSettings) => void }) {
  const caps = useVmStore((s) => s.hostCapabilities);
  return (
    <fieldset className="nested" data-testid="nested-toggles">
      <legend>Nested virtualization</legend>
      {!caps && <p className="hint">Asking the host what it supports…</p>}
      {(Object.keys(LABELS) as (keyof NestedSettings)[]).map((key) => {
        const toggle: Toggle | undefined = caps?.nested[key];
        const supported = toggle?.supported ?? false;
        return (
          <div className="toggle-row" key={key} data-testid={`nested-${key}`} data-supported={String(supported)}>
            <label className="check">
              <input
                type="checkbox"
                name={key}
                disabled={!supported}
                checked={supported && value[key]}
                onChange={(e) => onChange({ ...value, [key]: e.target.checked })}
              />
              {LABELS[key].title}
            </label>
            <span className="hint">{supported ? LABELS[key].hint : `Unavailable: ${toggle?.reason ?? 'host capabilities unknown'}`}</span>
          </div>
        );
      })}
    </fieldset>
  );
}
