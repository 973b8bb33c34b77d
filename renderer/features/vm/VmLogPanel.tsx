// The end of the VM's vmware.log (in the VM folder, rotated at each power on as VMware
// does): the VM host's events, the tools' state and the guest's GuestRPC log lines.
// Pulled (vm-log) when opened and on Refresh.
import { useServices } from '../../app/services';
import { requestVmLog } from '../../app/actions';
import { useVmStore } from '../../store/vmStore';

export function VmLogPanel({ id }: { id: string }) {
  const services = useServices();
  const live = useVmStore((s) => (s.vms[id]?.state ?? 'stopped') !== 'stopped');
  const log = useVmStore((s) => s.vms[id]?.vmLog);

  return (
    <details className="vmlog" data-testid="vm-log" onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && requestVmLog(services, id)}>
      <summary>VM log{log?.path ? ` — ${log.path}` : ''}</summary>
      <button disabled={!live} onClick={() => requestVmLog(services, id)}>
        Refresh
      </button>
      <pre data-testid="vm-log-lines">{log ? (log.path ? log.lines.join('\n') : 'This VM has no folder: no vmware.log.') : ''}</pre>
    </details>
  );
}
