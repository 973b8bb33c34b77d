// User actions that involve the client, the sessions and the stores together. Components
// call these; none of them talks to the transport directly.
import type { PowerOp } from '../../electron/common/protocol';
import type { LibraryEntryDraft } from '../../electron/main/appProtocol';
import type { Services } from './services';
import { useVmStore, type ToolsOptions } from '../store/vmStore';
import { useTelemetryStore } from '../store/telemetryStore';

function report(err: unknown): void {
  useVmStore.getState().setNotice(err instanceof Error ? err.message : String(err));
}

export async function refreshLibrary({ client }: Services): Promise<void> {
  useVmStore.getState().setLibrary(await client.request({ kind: 'library-list' }));
}

export async function startVm(s: Services, id: string): Promise<void> {
  try {
    // A new run is a new VM host: forget the old connection and its numbers.
    s.sessions.drop(id);
    useTelemetryStore.getState().clear(id);
    useVmStore.getState().updateVm(id, { state: 'starting', reason: undefined, detail: undefined, lastError: undefined });
    await s.client.request({ kind: 'vm-start', id });
    await s.sessions.connect(id);
  } catch (err) {
    useVmStore.getState().updateVm(id, { state: 'stopped' });
    report(err);
  }
}

export async function openConsole(s: Services, id: string): Promise<void> {
  useVmStore.getState().setScreen({ name: 'console', id });
  const state = useVmStore.getState().vms[id]?.state;
  if (state && state !== 'stopped') await s.sessions.connect(id).catch(report);
}

export function power(s: Services, id: string, op: PowerOp): void {
  s.sessions.get(id)?.send({ kind: 'power', v: 1, op });
}

export function setToolsOption(s: Services, id: string, option: keyof ToolsOptions, enabled: boolean): void {
  const vm = useVmStore.getState().vms[id];
  if (!vm) return;
  useVmStore.getState().updateVm(id, { options: { ...vm.options, [option]: enabled } });
  s.sessions.get(id)?.send({ kind: 'set-tools-option', v: 1, option, enabled });
  if (option === 'paste' && enabled) void sendHostClipboard(s, id);
}

/** Plugs or unplugs the virtual cable of network adapter `index` while the VM runs. */
export function setNetLink(s: Services, id: string, index: number, up: boolean): void {
  s.sessions.get(id)?.send({ kind: 'net-link', v: 1, index, up });
}

/** Host → guest paste: sends the host clipboard text, if the user allows paste for this VM. */
export async function sendHostClipboard(s: Services, id: string): Promise<void> {
  const vm = useVmStore.getState().vms[id];
  const session = s.sessions.get(id);
  if (!vm?.options.paste || !session || vm.state !== 'running') return;
  try {
    const text = await s.client.request({ kind: 'clipboard-read' });
    session.send({ kind: 'host-clipboard', v: 1, text });
  } catch (err) {
    report(err);
  }
}

export async function saveEntry(s: Services, draft: LibraryEntryDraft): Promise<boolean> {
  try {
    await s.client.request({ kind: 'library-save', entry: draft });
    await refreshLibrary(s);
    return true;
  } catch (err) {
    report(err);
    return false;
  }
}

export async function removeEntry(s: Services, id: string): Promise<void> {
  try {
    await s.client.request({ kind: 'library-remove', id });
    await refreshLibrary(s);
  } catch (err) {
    report(err);
  }
}
