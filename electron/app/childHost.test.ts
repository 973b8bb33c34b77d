// The child_process starter against the scripted fake VM host (e2e/fixtures/fakeVmHost.js),
// which speaks the VM host protocol over the same IPC.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import type { HostEvent } from '../common/protocol';
import { startChildHost, type ChildHost } from './childHost';

const FAKE = path.resolve(__dirname, '../../e2e/fixtures/fakeVmHost.js');

function next(host: ChildHost, pred: (e: HostEvent) => boolean): Promise<HostEvent> {
  return new Promise((resolve) => host.onEvent((e) => pred(e) && resolve(e)));
}

const exit = (host: ChildHost) => new Promise<[number | null, string | undefined]>((resolve) => host.onExit((code, signal) => resolve([code, signal])));

describe('startChildHost', () => {
  it('relays events both ways, binary payloads as bytes, and reports the exit', async () => {
    const host = startChildHost({ module: FAKE, output: 'pipe' });
    const ended = exit(host);
    await next(host, (e) => e.kind === 'hello');
    host.send({ kind: 'start', v: 1, config: { name: 'fake', memoryMiB: 16, cpus: 1, firmware: 'none' } });
    const serial = await next(host, (e) => e.kind === 'serial-out');
    expect(serial.kind === 'serial-out' && serial.data).toBeInstanceOf(Uint8Array);
    host.send({ kind: 'power', v: 1, op: 'stop' });
    expect(await ended).toEqual([0, undefined]);
    expect(host.connected).toBe(false);
    host.send({ kind: 'power', v: 1, op: 'stop' }); // dropped, no throw
    const late = await exit(host);
    expect(late).toEqual([null, undefined]);
  });

  it('kill ends the host with SIGKILL', async () => {
    const host = startChildHost({ module: FAKE, output: 'pipe' });
    const ended = exit(host);
    host.kill();
    expect(await ended).toEqual([null, 'SIGKILL']);
  });
});
