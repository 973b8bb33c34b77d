// How the VM host talks to its clients. Electron's utilityProcess gives process.parentPort
// (main keeps the control stream; windows attach MessagePorts for everything else);
// child_process.fork (CLI, dev host, tests) gives process.send and gets every event.
import type { HostEvent } from '../common/protocol';
import { EventFanout, type PortLike, type RequestHandler } from './fanout';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports?: PortLike[] }) => void): void;
  postMessage(message: unknown): void;
}

export interface Transport {
  send(event: HostEvent): void;
  /** Every message a client sends, unchecked (hostRequest.ts checks it), with a way to
   *  answer that client alone. */
  onRequest(handler: RequestHandler): void;
  onDisconnect(handler: () => void): void;
  /** Calls `done` once every event sent so far has left this process. */
  flush(done: () => void): void;
}

export function parentTransport(): Transport {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    const fanout = new EventFanout((event) => parentPort.postMessage(event), false);
    return {
      send: (event) => fanout.send(event),
      onRequest: (handler) =>
        parentPort.on('message', (e) => {
          const data = e.data as { kind?: unknown } | null | undefined;
          if (data?.kind === 'attach-port' && e.ports?.[0]) fanout.attach(e.ports[0], handler);
          else handler(e.data, (event) => parentPort.postMessage(event));
        }),
      onDisconnect: () => undefined, // the utility process is killed by main
      // postMessage hands the message to Electron's port at once.
      flush: (done) => setImmediate(done),
    };
  }
  if (!process.send) throw new Error('vmhost must be started by a client (fork with an IPC channel)');
  // process.send queues; a message still queued when the process exits is lost (seen
  // under load: the client missed the final 'stopped' state). Count what is in flight.
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (--inFlight > 0) return;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };
  const send = (event: HostEvent): void => {
    // The client may be gone already (it exits once it has what it needs).
    if (!process.connected) return;
    inFlight++;
    process.send?.(event, undefined, {}, settle);
  };
  return {
    send,
    flush: (done) => {
      if (inFlight === 0 || !process.connected) setImmediate(done);
      else waiters.push(done);
    },
    // The parent is the only client: an answer to it is an event like any other.
    onRequest: (handler) => process.on('message', (m) => handler(m, send)),
    onDisconnect: (handler) => process.on('disconnect', handler),
  };
}
