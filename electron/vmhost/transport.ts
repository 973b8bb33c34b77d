// How the VM host talks to its client: Electron's utilityProcess gives process.parentPort;
// child_process.fork (CLI, dev host, tests) gives process.send. Same messages either way.
import type { HostEvent, HostRequest } from '../common/protocol';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
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
    return {
      send: (event) => parentPort.postMessage(event),
      onRequest: (handler) => parentPort.on('message', (e) => handler(e.data as HostRequest)),
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
