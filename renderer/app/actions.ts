// User actions that involve the client, the sessions and the stores together. Components
// call these; none of them talks to the transport directly.
import type { PowerOp } from '../../electron/common/protocol';
import type { LibraryEntryDraft, NestedSettings, NewDiskRequest } from '../../electron/common/appProtocol';
import type { VmSettings } from '../../electron/common/vmxSettings';
import type { Services } from './services';
import { useVmStore, type ToolsOptions } from '../store/vmStore';
import { useTelemetryStore } from '../store/telemetryStore';

function report(err: unknown): void {
  useVmStore.getState().setNotice(err instanceof Error ? err.message : String(err));
}

export async function refreshLibrary({ client }: Services): Promise<void> {
  useVmStore.getState().setLibrary(await client.request({ kind: 'library-list' }));
}

/**
 * A .vmx from somewhere else can name any file of the user's as a disk. Main lists the
 * ones outside the VM folder; the user is asked once per file, and the answer is kept in
 * the library. Returns false when the user said no.
 */
async function allowExternalDisks(s: Services, id: string): Promise<boolean> {
  const entry = useVmStore.getState().entries.find((e) => e.id === id);
  const allowed = entry?.allowedExternalDisks ?? [];
  const unasked = (entry?.externalDisks ?? []).filter((f) => !allowed.includes(f));
  if (!entry || !unasked.length) return true;
  const ok = window.confirm(
    `"${entry.config.name}" uses files outside its VM folder:\n\n${unasked.join('\n')}\n\n` +
      'The guest can read and change them. Allow this VM to use them?',
  );
  if (!ok) return false;
  await s.client.request({ kind: 'vm-allow-external-disks', id, files: unasked });
  await refreshLibrary(s);
  return true;
}

export async function startVm(s: Services, id: string): Promise<void> {
  try {
    if (!(await allowExternalDisks(s, id))) {
      useVmStore.getState().setNotice('Not started: its files outside the VM folder were not allowed.');
      return;
    }
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

/** Writes a .vmx VM's settings into its .vmx (main checks them and writes atomically). */
export async function saveVmx(s: Services, id: string, draft: { settings: VmSettings; nested: NestedSettings; newDisks: NewDiskRequest[] }): Promise<boolean> {
  try {
    await s.client.request({ kind: 'vmx-save', id, ...draft });
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

/** Asks the VM host for its guestinfo variables; the answer lands in the VM's store entry. */
export function listGuestInfo(s: Services, id: string): void {
  s.sessions.get(id)?.send({ kind: 'guestinfo-list', v: 1 });
}

/** Sets a guestinfo variable the guest reads with vmware-rpctool "info-get guestinfo.KEY", then refreshes the list. */
export function setGuestInfo(s: Services, id: string, key: string, value: string): void {
  const session = s.sessions.get(id);
  if (!session) return;
  session.send({ kind: 'guestinfo-set', v: 1, key, value });
  session.send({ kind: 'guestinfo-list', v: 1 });
}

/** Asks the VM host for the end of the VM's vmware.log. */
export function requestVmLog(s: Services, id: string): void {
  s.sessions.get(id)?.send({ kind: 'vm-log', v: 1 });
}
