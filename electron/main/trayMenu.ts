// The tray menu as data: one submenu per library VM with its state and the power actions
// that make sense in that state. Built from plain values so it is tested without Electron.
import type { MenuItemConstructorOptions } from 'electron';
import type { PowerOp, VmState } from '../common/protocol';
import type { LibraryEntry, RunningVm } from '../common/appProtocol';

export interface TrayActions {
  start(id: string): void;
  power(id: string, op: PowerOp): void;
  show(id?: string): void;
  quit(): void;
}

const STATE_LABEL: Record<VmState, string> = {
  starting: 'starting…',
  running: 'running',
  paused: 'paused',
  stopping: 'stopping…',
  stopped: 'powered off',
};

export function trayTooltip(running: readonly RunningVm[]): string {
  const live = running.filter((r) => r.state !== 'stopped').length;
  return live === 0 ? 'Vireo: no VM running' : `Vireo: ${live} VM${live === 1 ? '' : 's'} running`;
}

export function buildTrayMenu(entries: readonly LibraryEntry[], running: readonly RunningVm[], a: TrayActions): MenuItemConstructorOptions[] {
  const stateOf = (id: string): VmState => running.find((r) => r.id === id)?.state ?? 'stopped';
  const vmItems: MenuItemConstructorOptions[] = entries.map((e) => {
    const state = stateOf(e.id);
    const live = state === 'running' || state === 'paused';
    return {
      id: `vm-${e.id}`,
      label: `${e.config.name} — ${STATE_LABEL[state]}`,
      submenu: [
        { label: 'Show', click: () => a.show(e.id) },
        { type: 'separator' },
        { label: 'Start', enabled: state === 'stopped', click: () => a.start(e.id) },
        state === 'paused'
          ? { label: 'Resume', click: () => a.power(e.id, 'resume') }
          : { label: 'Pause', enabled: state === 'running', click: () => a.power(e.id, 'pause') },
        { label: 'Shut down guest', enabled: live, click: () => a.power(e.id, 'soft-shutdown') },
        { label: 'Power off', enabled: live, click: () => a.power(e.id, 'stop') },
      ],
    };
  });
  return [{ label: 'Show Vireo', click: () => a.show() }, { type: 'separator' }, ...vmItems, { type: 'separator' }, { label: 'Quit Vireo', click: () => a.quit() }];
}
