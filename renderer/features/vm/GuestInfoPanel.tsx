// The VM's guestinfo variables (VMware's "guestVar"s): what the guest set with
// `vmware-rpctool "info-set guestinfo.KEY VALUE"` and what the host set (the .vmx, this
// panel, `vireo guestinfo`). The list is pulled (guestinfo-list) when the panel opens and
// after each change made here; a guest change shows on Refresh.
import { useEffect, useState, type FormEvent } from 'react';
import { useServices } from '../../app/services';
import { listGuestInfo, setGuestInfo } from '../../app/actions';
import { useVmStore } from '../../store/vmStore';

export function GuestInfoPanel({ id }: { id: string }) {
  const services = useServices();
  const running = useVmStore((s) => s.vms[id]?.state === 'running');
  const entries = useVmStore((s) => s.vms[id]?.guestInfo);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');

  useEffect(() => {
    if (running) listGuestInfo(services, id);
  }, [services, id, running]);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const k = key.trim();
    if (!k) return;
    setGuestInfo(services, id, k, value);
    setValue('');
  };

  return (
    <details className="guestinfo" data-testid="guestinfo">
      <summary>Guest variables{entries ? ` (${entries.length})` : ''}</summary>
      <button disabled={!running} onClick={() => listGuestInfo(services, id)}>
        Refresh
      </button>
      <table>
        <tbody>
          {(entries ?? []).map((e) => (
            <tr key={e.key} data-testid="guestinfo-entry">
              <td className="guestinfo-key">{e.key}</td>
              <td className="guestinfo-value" title={e.source === 'host' ? 'set by the host' : 'set by the guest'}>
                {e.value}
                {e.truncated ? '…' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={submit}>
        <input aria-label="guestinfo key" placeholder="guestinfo.key" value={key} onChange={(e) => setKey(e.target.value)} />
        <input aria-label="guestinfo value" placeholder="value" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit" disabled={!running || !key.trim()}>
          Set
        </button>
      </form>
    </details>
  );
}
