// Starts a VM host as an Electron utility process (VS Code's pty host pattern): the VM's
// native code runs there, so a crash ends one VM and never the UI. Main keeps only the
// control stream (hello/state); each window gets its own MessagePort to the host via
// attach(), so serial bytes, frames and telemetry never pass through main.
import { utilityProcess, type MessagePortMain } from 'electron';
import type { HostEvent } from '../common/protocol';
import type { AttachPortMessage } from '../common/appProtocol';
import { vmHostModulePath, type HostHandle } from '../app/hostHandle';

export interface ElectronHostHandle extends HostHandle {
  /** Gives the host one end of a window's MessageChannel (HostRequest in, HostEvent out). */
  attach(port: MessagePortMain): void;
}

export function startUtilityHost(vmId: string): ElectronHostHandle {
  const child = utilityProcess.fork(vmHostModulePath(), [], {
    serviceName: `vireo-vmhost-${vmId}`,
    stdio: 'inherit',
  });
  const eventListeners: ((e: HostEvent) => void)[] = [];
  const exitListeners: ((code: number | null) => void)[] = [];
  let exited = false;
  child.on('message', (msg: unknown) => {
    for (const l of eventListeners) l(msg as HostEvent);
  });
  child.on('exit', (code) => {
    exited = true;
    for (const l of exitListeners) l(code);
  });
  return {
    send: (req) => {
      if (!exited) child.postMessage(req);
    },
    attach: (port) => {
      const msg: AttachPortMessage = { kind: 'attach-port', v: 1 };
      if (exited) port.close();
      else child.postMessage(msg, [port]);
    },
    onEvent: (l) => void eventListeners.push(l),
    onExit: (l) => {
      if (exited) l(null);
      else exitListeners.push(l);
    },
    kill: () => {
      if (!exited) child.kill();
    },
  };
}
