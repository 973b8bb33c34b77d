import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClient } from '../bridge/vmmClient.fake';
import { VmSessions } from './vmSessions';
import { useVmStore } from './vmStore';
import { latestRates, useTelemetryStore } from './telemetryStore';
import { EXIT_REASONS } from '../../electron/common/exitReasons';
import type { LibraryEntry } from '../../electron/common/appProtocol';

const entry: LibraryEntry = {
  id: 'demo',
  origin: 'demo',
  config: { name: 'Demo', memoryMiB: 16, cpus: 1, firmware: 'none', kernel: '/x/demo.bin', tools: { syncTime: true, copyAllowed: true, pasteAllowed: false } },
  nested: { exposeVirtualization: false, backdoorFromCpl3: false, l0HandlesL2Backdoor: false },
};

function counters(n: number): number[] {
  const c = new Array<number>(EXIT_REASONS.length).fill(0);
  c[1] = n;
  return c;
}

describe('VmSessions', () => {
  let client: FakeClient;
  let sessions: VmSessions;
  beforeEach(() => {
    client = new FakeClient();
    sessions = new VmSessions(client);
    useVmStore.setState({ entries: [entry], vms: {} });
    useTelemetryStore.getState().clear('demo');
  });

  it('connects once per VM', async () => {
    const [a, b] = await Promise.all([sessions.connect('demo'), sessions.connect('demo')]);
    expect(a).toBe(b);
    expect(client.vms.size).toBe(1);
  });

  it('routes host events into the stores, the framebuffer and the serial backlog', async () => {
    const s = await sessions.connect('demo');
    const vm = client.vms.get('demo')!;
    vm.emit({ kind: 'state', v: 1, state: 'running' });
    vm.emit({ kind: 'tools', v: 1, info: { state: 'running', osName: 'Vireo demo', ipAddresses: ['10.0.2.15'] } });
    vm.emit({ kind: 'serial-out', v: 1, data: new TextEncoder().encode('hello ') });
    vm.emit({ kind: 'mode', v: 1, mode: { width: 2, height: 2, source: 'svga' } });
    vm.emit({ kind: 'frame', v: 1, width: 2, height: 2, rects: [{ x: 0, y: 0, width: 1, height: 1, rgba: new Uint8Array([255, 0, 0, 255]) }] });
    vm.emit({ kind: 'telemetry', v: 1, sample: { seq: 1, tMs: 0, vcpus: 1, counters: counters(0), ports: [], mmio: [], backdoor: {}, kvm: {} } });
    vm.emit({ kind: 'telemetry', v: 1, sample: { seq: 2, tMs: 100, vcpus: 1, counters: counters(10), ports: [], mmio: [], backdoor: {}, kvm: {} } });

    vm.emit({ kind: 'guestinfo', v: 1, entries: [{ key: 'guestinfo.ip', value: '10.0.2.15', source: 'guest', truncated: false }] });
    vm.emit({ kind: 'notice', v: 1, message: 'The VM is paused: writing d.vmdk failed' });

    const view = useVmStore.getState().vms.demo!;
    expect(view.state).toBe('running');
    expect(view.notice).toBe('The VM is paused: writing d.vmdk failed');
    expect(view.guestInfo).toEqual([{ key: 'guestinfo.ip', value: '10.0.2.15', source: 'guest', truncated: false }]);
    expect(view.tools.ipAddresses).toEqual(['10.0.2.15']);
    expect(view.mode.width).toBe(2);
    expect(view.options).toEqual({ syncTime: true, copy: true, paste: false });
    expect(Array.from(s.framebuffer.pixels.subarray(0, 4))).toEqual([255, 0, 0, 255]);
    expect(latestRates('demo')!.perVcpu[0]![1]).toBeCloseTo(100);

    // A console attached later first gets the backlog, then live bytes.
    const seen: string[] = [];
    s.attachSerial((d) => seen.push(new TextDecoder().decode(d)));
    vm.emit({ kind: 'serial-out', v: 1, data: new TextEncoder().encode('world') });
    expect(seen.join('')).toBe('hello world');
  });

  it('puts guest clipboard text on the host only while copy is allowed', async () => {
    await sessions.connect('demo');
    const vm = client.vms.get('demo')!;
    vm.emit({ kind: 'guest-clipboard', v: 1, text: 'from guest' });
    await Promise.resolve();
    expect(client.clipboard).toBe('from guest');
    useVmStore.getState().updateVm('demo', { options: { syncTime: true, copy: false, paste: false } });
    vm.emit({ kind: 'guest-clipboard', v: 1, text: 'blocked' });
    await Promise.resolve();
    expect(client.clipboard).toBe('from guest');
  });

  it('drop() closes the connection so the next run connects afresh', async () => {
    await sessions.connect('demo');
    sessions.drop('demo');
    expect(client.vms.get('demo')!.closed).toBe(true);
    expect(sessions.get('demo')).toBeUndefined();
  });
});
