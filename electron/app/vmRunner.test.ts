import { describe, expect, it } from 'vitest';
import type { HostEvent, HostRequest } from '../common/protocol';
import type { HostHandle } from './hostHandle';
import { probeCapabilities, VmRunner } from './vmRunner';
import { NO_NESTED, type LibraryEntry } from '../common/appProtocol';

class FakeHost implements HostHandle {
  sent: HostRequest[] = [];
  killed = false;
  private ev: ((e: HostEvent) => void)[] = [];
  private ex: ((c: number | null) => void)[] = [];
  send(req: HostRequest): void {
    this.sent.push(req);
  }
  onEvent(l: (e: HostEvent) => void): void {
    this.ev.push(l);
  }
  onExit(l: (c: number | null) => void): void {
    this.ex.push(l);
  }
  kill(): void {
    this.killed = true;
    this.exit(null);
  }
  emit(e: HostEvent): void {
    this.ev.forEach((l) => l(e));
  }
  exit(code: number | null): void {
    this.ex.splice(0).forEach((l) => l(code));
  }
}

const caps = { kvm: true, nested: { exposeVirtualization: { supported: false, enabled: false, reason: 'no VMX' }, backdoorFromCpl3: { supported: true, enabled: false }, l0HandlesL2Backdoor: { supported: false, enabled: false, reason: 'needs nested' } } };
const entry: LibraryEntry = { id: 'vm1', origin: 'user', nested: NO_NESTED, config: { name: 'One', memoryMiB: 16, cpus: 1, firmware: 'none', kernel: '/k' } };

function setup() {
  const hosts: FakeHost[] = [];
  let changes = 0;
  const runner = new VmRunner<FakeHost>(() => {
    const h = new FakeHost();
    hosts.push(h);
    return h;
  }, () => changes++);
  return { runner, hosts, changes: () => changes };
}

describe('VmRunner', () => {
  it('forks one host per VM and sends start after hello', () => {
    const { runner, hosts } = setup();
    runner.start(entry);
    expect(hosts).toHaveLength(1);
    expect(hosts[0]!.sent).toEqual([]);
    hosts[0]!.emit({ kind: 'hello', v: 1, protocol: 1, capabilities: caps });
    expect(hosts[0]!.sent).toEqual([{ kind: 'start', v: 1, config: entry.config }]);
    expect(() => runner.start(entry)).toThrow(/already running/);
  });

  it('tracks state and reports a host that died as an error stop', () => {
    const { runner, hosts } = setup();
    runner.start(entry);
    hosts[0]!.emit({ kind: 'state', v: 1, state: 'running' });
    expect(runner.snapshot()).toEqual([{ id: 'vm1', state: 'running' }]);
    hosts[0]!.exit(134);
    expect(runner.snapshot()[0]).toMatchObject({ state: 'stopped', reason: 'error', detail: expect.stringContaining('134') });
    expect(runner.isLive('vm1')).toBe(false);
    runner.start(entry); // a new run is allowed once the old host is gone
    expect(hosts).toHaveLength(2);
  });

  it('keeps the guest-reported stop reason when the host exits after it', () => {
    const { runner, hosts } = setup();
    runner.start(entry);
    hosts[0]!.emit({ kind: 'state', v: 1, state: 'stopped', reason: 'poweroff' });
    hosts[0]!.exit(0);
    expect(runner.snapshot()[0]).toEqual({ id: 'vm1', state: 'stopped', reason: 'poweroff', detail: undefined });
  });

  it('stopAll asks every VM to power off and kills hosts that hang', async () => {
    const { runner, hosts } = setup();
    runner.start(entry);
    runner.start({ ...entry, id: 'vm2' });
    const done = runner.stopAll(20);
    expect(hosts.every((h) => h.sent.some((r) => r.kind === 'power' && r.op === 'stop'))).toBe(true);
    hosts[0]!.exit(0);
    await done;
    expect(hosts[0]!.killed).toBe(false);
    expect(hosts[1]!.killed).toBe(true);
    expect(runner.liveCount()).toBe(0);
  });
});

describe('probeCapabilities', () => {
  it('returns the hello capabilities and kills the probe', async () => {
    const h = new FakeHost();
    const p = probeCapabilities(() => h);
    h.emit({ kind: 'hello', v: 1, protocol: 1, capabilities: caps });
    await expect(p).resolves.toEqual(caps);
    expect(h.killed).toBe(true);
  });

  it('fails when the host dies first', async () => {
    const h = new FakeHost();
    const p = probeCapabilities(() => h);
    h.exit(1);
    await expect(p).rejects.toThrow(/exited \(1\)/);
  });
});
