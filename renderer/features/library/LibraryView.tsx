import { useServices } from '../../app/services';
import { openConsole, removeEntry, startVm } from '../../app/actions';
import { useVmStore, vmState } from '../../store/vmStore';
import type { LibraryEntry } from '../../../electron/common/appProtocol';

const ORIGIN_LABEL: Record<LibraryEntry['origin'], string> = { demo: 'built-in demo', user: 'custom', vmx: '.vmx' };

export function LibraryView() {
  const services = useServices();
  const entries = useVmStore((s) => s.entries);
  const vms = useVmStore((s) => s.vms);
  const caps = useVmStore((s) => s.hostCapabilities);

  return (
    <section className="library" data-testid="library">
      <div className="library-head">
        <h1>Virtual machines</h1>
        <button onClick={() => useVmStore.getState().setScreen({ name: 'edit' })}>New VM…</button>
      </div>
      {caps && !caps.kvm && (
        <p className="warning" role="status">
          KVM is not usable on this host: {caps.kvmError?.message ?? 'unknown reason'}
        </p>
      )}
      <ul className="vm-list">
        {entries.map((e) => {
          const state = vmState(vms, e.id);
          const running = state !== 'stopped';
          return (
            <li key={e.id} className="vm-row" data-testid={`vm-${e.id}`}>
              <div className="vm-name">
                <strong>{e.config.name}</strong>
                <span className="vm-meta">
                  {ORIGIN_LABEL[e.origin]} · {e.config.cpus} vCPU · {e.config.memoryMiB} MiB ·{' '}
                  {e.vmx?.firmware === 'efi' ? 'UEFI' : e.config.firmware === 'seabios' ? 'SeaBIOS' : 'direct kernel boot'}
                </span>
                {e.problems?.map((p) => (
                  <span key={p} className="vm-problem" data-testid="vm-problem">
                    {p}
                  </span>
                ))}
                {e.notices?.map((n) => (
                  <span key={n} className="vm-notice" data-testid="vm-notice">
                    {n}
                  </span>
                ))}
                {running && e.appliesAtNextPowerOn && (
                  <span className="vm-notice" data-testid="vm-pending">
                    Settings changed: they apply at the next power on.
                  </span>
                )}
              </div>
              <span className={`state state-${state}`} data-testid="vm-state">
                {state}
              </span>
              <div className="vm-actions">
                {!running && (
                  <button disabled={!!e.problems?.length} onClick={() => void startVm(services, e.id).then(() => openConsole(services, e.id))}>
                    Start
                  </button>
                )}
                <button onClick={() => void openConsole(services, e.id)}>Console</button>
                {/* A .vmx can be edited while its VM runs: the change applies at the next power on. */}
                <button disabled={running && !e.vmx} onClick={() => useVmStore.getState().setScreen({ name: 'edit', id: e.id })}>
                  Settings
                </button>
                {e.origin !== 'demo' && (
                  <button disabled={running} onClick={() => void removeEntry(services, e.id)}>
                    Remove
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
