import { useEffect, useState } from 'react';
import { useServices } from '../../app/services';
import { sendHostClipboard } from '../../app/actions';
import type { VmSession } from '../../store/vmSessions';
import { useVmStore } from '../../store/vmStore';
import { Toolbar } from '../vm/Toolbar';
import { GuestInfoPanel } from '../vm/GuestInfoPanel';
import { VmLogPanel } from '../vm/VmLogPanel';
import { FramebufferCanvas } from '../display/FramebufferCanvas';
import { SerialConsole } from './SerialConsole';
import { ExitStatsPanel } from '../exits/ExitStatsPanel';

export function ConsoleView({ id }: { id: string }) {
  const services = useServices();
  const state = useVmStore((s) => s.vms[id]?.state ?? 'stopped');
  const [session, setSession] = useState<VmSession | undefined>(() => services.sessions.get(id));

  useEffect(() => {
    if (state === 'stopped') return;
    let live = true;
    services.sessions
      .connect(id)
      .then((s) => live && setSession(s))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [services, id, state]);

  // Host → guest clipboard follows focus, as in VMware: when this window gains focus the
  // current host clipboard is offered to the guest (if paste is allowed).
  useEffect(() => {
    const onFocus = (): void => void sendHostClipboard(services, id);
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [services, id]);

  return (
    <section className="console" data-testid="console">
      <Toolbar id={id} />
      <div className="console-grid">
        <div className="console-left">
          {session ? <FramebufferCanvas session={session} id={id} /> : <div className="display-empty">VM is not running</div>}
          {session && <SerialConsole session={session} id={id} />}
          <GuestInfoPanel id={id} />
          <VmLogPanel id={id} />
        </div>
        <ExitStatsPanel id={id} />
      </div>
    </section>
  );
}
