// Starting a VM whose .vmx names files outside its folder: the user is asked once; "no"
// starts nothing, "yes" is sent to main (which keeps it) before the start request.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClient } from '../bridge/vmmClient.fake';
import { VmSessions } from '../store/vmSessions';
import { useVmStore } from '../store/vmStore';
import { startVm } from './actions';
import type { LibraryEntry } from '../../electron/common/appProtocol';

const entry: LibraryEntry = {
  id: 'box',
  origin: 'vmx',
  config: { name: 'Box', memoryMiB: 64, cpus: 1, firmware: 'seabios', vmxPath: '/vms/box/Box.vmx' },
  nested: { exposeVirtualization: false, backdoorFromCpl3: false, l0HandlesL2Backdoor: false },
  externalDisks: ['/home/u/shared.vmdk'],
};

function setup(answer: boolean) {
  const asked: string[] = [];
  (globalThis as { window?: unknown }).window = { confirm: (text: string) => (asked.push(text), answer) };
  const client = new FakeClient();
  client.snapshot = { entries: [entry], running: [] };
  useVmStore.getState().setLibrary(client.snapshot);
  return { client, asked, services: { client, sessions: new VmSessions(client) } };
}

afterEach(() => delete (globalThis as { window?: unknown }).window);

describe('startVm and files outside the VM folder', () => {
  it('asks, and starts nothing when the user says no', async () => {
    const { client, asked, services } = setup(false);
    await startVm(services, 'box');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('/home/u/shared.vmdk');
    expect(client.requests.map((r) => r.kind)).toEqual([]);
    expect(useVmStore.getState().notice).toMatch(/not allowed/);
  });

  it('sends the answer before starting when the user says yes, and does not ask again', async () => {
    const { client, services } = setup(true);
    await startVm(services, 'box');
    expect(client.requests.slice(0, 3)).toEqual([
      { kind: 'vm-allow-external-disks', id: 'box', files: ['/home/u/shared.vmdk'] },
      { kind: 'library-list' },
      { kind: 'vm-start', id: 'box' },
    ]);
    useVmStore.getState().setLibrary({ entries: [{ ...entry, allowedExternalDisks: ['/home/u/shared.vmdk'] }], running: [] });
    const again = setup(true);
    again.client.snapshot = { entries: [{ ...entry, allowedExternalDisks: ['/home/u/shared.vmdk'] }], running: [] };
    useVmStore.getState().setLibrary(again.client.snapshot);
    await startVm(again.services, 'box');
    expect(again.asked).toEqual([]);
    expect(again.client.requests[0]).toEqual({ kind: 'vm-start', id: 'box' });
  });
});
