// What Quit asks when VMs are running, as Workstation asks on exit: keep them running in
// the background (the tray shows them), shut the guests down (through VMware Tools; the app
// quits when the last one has stopped) or power them off. Built from plain values so it is
// tested without Electron; main.ts shows it with dialog.showMessageBox.
import type { LibraryEntry, RunningVm } from '../common/appProtocol';

export type QuitChoice = 'background' | 'shutdown' | 'poweroff' | 'cancel';

export interface QuitDialog {
  message: string;
  detail: string;
  buttons: string[];
  /** choices[i] is what buttons[i] means. */
  choices: QuitChoice[];
  defaultId: number;
  cancelId: number;
}

/** The question, or null when no VM is running (quit at once). */
export function quitDialog(entries: readonly LibraryEntry[], running: readonly RunningVm[]): QuitDialog | null {
  const names = running.filter((r) => r.state !== 'stopped').map((r) => entries.find((e) => e.id === r.id)?.config.name ?? r.id);
  if (names.length === 0) return null;
  const one = names.length === 1;
  const choices: QuitChoice[] = ['background', 'shutdown', 'poweroff', 'cancel'];
  return {
    message: one ? `${names[0]} is running.` : `${names.length} VMs are running.`,
    detail: [
      `Running: ${names.join(', ')}.`,
      `Keep ${one ? 'it' : 'them'} running in the background: the window closes and the Vireo tray icon keeps ${one ? 'it' : 'them'} reachable.`,
      `Shut down guests: asks each guest's VMware Tools to shut down; Vireo quits when the last one has stopped.`,
      `Power off: like pulling the plug; unsaved work in the guest${one ? '' : 's'} is lost.`,
    ].join('\n'),
    buttons: ['Keep running in background', 'Shut down guests', 'Power off', 'Cancel'],
    choices,
    defaultId: 0,
    cancelId: choices.indexOf('cancel'),
  };
}
