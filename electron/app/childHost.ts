// A VM host started with child_process.fork: the CLI, the browser dev host and the tests.
// Advanced serialization keeps Uint8Array payloads (serial bytes, frame pixels) binary.
import { fork } from 'node:child_process';
import type { Readable } from 'node:stream';

import type { HostEvent } from '../common/protocol';
import { vmHostModulePath, type HostHandle, type StartHost } from './hostHandle';

export interface ChildHostOptions {
  /** The host module; vmHostModulePath() by default (the tests and e2e name a built or fake one). */
  module?: string;
  /** 'inherit': the host writes to this process's stdout and stderr; 'pipe': read them from
   *  the handle. */
  output?: 'inherit' | 'pipe';
}

export interface ChildHost extends HostHandle {
  /** The host's stdout and stderr with output 'pipe'; null with 'inherit'. */
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Whether the IPC channel is still open. */
  readonly connected: boolean;
  /** Closes the IPC channel; the host then exits (electron/vmhost/vmHostMain.ts). */
  disconnect(): void;
}

export function startChildHost(opts: ChildHostOptions = {}): ChildHost {
  const out = opts.output ?? 'inherit';
  const child = fork(opts.module ?? vmHostModulePath(), [], { serialization: 'advanced', stdio: ['ignore', out, out, 'ipc'] });
  const exitListeners: ((code: number | null, signal?: string) => void)[] = [];
  let exited = false;
  child.on('exit', (code, signal) => {
    exited = true;
    for (const l of exitListeners.splice(0)) l(code, signal ?? undefined);
  });
  // A failed send or a host that could not be spawned ends in 'exit' too; without a
  // listener an 'error' event would end this process.
  child.on('error', () => undefined);
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    get connected() {
      return child.connected;
    },
    send: (req) => {
      if (!exited && child.connected) child.send(req, undefined, {}, () => undefined);
    },
    onEvent: (l) => void child.on('message', (m) => l(m as HostEvent)),
    onExit: (l) => {
      if (exited) l(null);
      else exitListeners.push(l);
    },
    kill: () => {
      if (!exited) child.kill('SIGKILL');
    },
    disconnect: () => {
      if (child.connected) child.disconnect();
    },
  };
}

/** A StartHost for VmRunner and probeCapabilities: one child host per call. */
export function childHostStarter(opts: ChildHostOptions = {}): StartHost<ChildHost> {
  return () => startChildHost(opts);
}
