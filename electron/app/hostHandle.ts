// One VM host process as its client sees it, whichever runtime started it: Electron main
// starts hosts as utility processes (electron/main/vmHostStarter.ts, as VS Code starts its
// pty host), the CLI, the browser dev host and the tests with child_process.fork
// (childHost.ts). Both start the same module, out/electron/vmhost/vmHostMain.js.
import * as path from 'node:path';

import type { HostEvent, HostRequest } from '../common/protocol';

export interface HostHandle {
  /** Dropped once the host is gone. */
  send(req: HostRequest): void;
  onEvent(listener: (event: HostEvent) => void): void;
  /** `code` is null when a signal ended the host (`signal` names it where the runtime says);
   *  a listener added after the exit is called at once with null. */
  onExit(listener: (code: number | null, signal?: string) => void): void;
  kill(): void;
}

/** Starts one VM host; `vmId` names the process where the runtime can (utilityProcess). */
export type StartHost<H extends HostHandle = HostHandle> = (vmId: string) => H;

/** The VM host's entry module, from the compiled out/electron/app/ (asar-relative when packaged). */
export function vmHostModulePath(): string {
  return path.join(__dirname, '..', 'vmhost', 'vmHostMain.js');
}
