// How the VM host talks to its clients. Electron's utilityProcess gives process.parentPort
// (main keeps the control stream; windows attach MessagePorts for everything else);
// child_process.fork (CLI, dev host, tests) gives process.send and gets every event.
import type { HostEvent, HostRequest } from '../common/protocol';
import { EventFanout, type PortLike } from './fanout';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports?: PortLike[] }) => void): void;
  postMessage(message: unknown): void;
}

export interface Transport {
  send(event: HostEvent): void;
  onRequest(handler: (request: HostRequest) => void): void;
  onDisconnect(handler: () => void): void;
}

export function parentTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    const fanout = new EventFanout((event) => parentPort.postMessage(event), false);
    return {
      send: (event) => fanout.send(event),
      onRequest: (handler) =>
        parentPort.on('message', (e) => {
          const data = e.data as { kind?: string };
          if (data?.kind === 'attach-port' && e.ports?.[0]) fanout.attach(e.ports[0], handler);
          else handler(e.data as HostRequest);
        }),
      onDisconnect: () => undefined, // the utility process is killed by main
    };
  }
  if (!process.send) throw new Error('vmhost must be started by a client (fork with an IPC channel)');
  return {
    send: (event) => {
      // The client may be gone already (it exits once it has what it needs).
      if (process.connected) process.send?.(event, undefined, {}, () => undefined);
    },
    onRequest: (handler) => process.on('message', (m) => handler(m as HostRequest)),
    onDisconnect: (handler) => process.on('disconnect', handler),
  };
}
