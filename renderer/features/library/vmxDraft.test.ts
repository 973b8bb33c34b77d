// The .vmx editor's form: what the user changes becomes VmSettings edits in VMware's
// terms (devices, addressType, isolation flags), and only those.
import { afterEach, describe, expect, it } from 'vitest';
import type { VmSettings } from '../../../electron/common/vmxSettings';
import type { LibraryEntry } from '../../../electron/common/appProtocol';
import { FakeClient } from '../../bridge/vmmClient.fake';
import { saveVmx } from '../../app/actions';
import { VmSessions } from '../../store/vmSessions';
import { useVmStore } from '../../store/vmStore';
import { addFormDrive, formFromVmxEntry, removeDrive, setNicPresent, setSettings, updateDrive, updateNic, vmxDraftFromForm, type VmxDraft, type VmxForm } from './vmxDraft';

/** What main sends for ws17-ubuntu.vmx (electron/vmfiles/fixtures), trimmed. */
const settings: VmSettings = {
  displayName: 'Ubuntu 64-bit',
  guestOS: 'ubuntu-64',
  memsizeMiB: 8192,
  numvcpus: 4,
  firmware: 'bios',
  controllers: [{ bus: 'scsi', index: 0, present: true, virtualDev: 'lsilogic' }, { bus: 'sata', index: 0, present: true }],
  disks: [
    { bus: 'scsi', controller: 0, unit: 0, present: true, kind: 'disk', fileName: 'Ubuntu 64-bit.vmdk', startConnected: true },
    { bus: 'sata', controller: 0, unit: 1, present: true, kind: 'cdrom-image', deviceType: 'cdrom-image', fileName: 'ubuntu.iso', startConnected: true },
  ],
  ethernet: [{ index: 0, present: true, virtualDev: 'vmxnet3', connectionType: 'nat', startConnected: true, addressType: 'generated', mac: '00:0c:29:cc:dd:ee' }],
  serialPorts: [],
  nestedVirtualization: true,
  isolation: { copyDisable: false, pasteDisable: true, other: { 'hgfs.disable': false } },
  toolsSyncTime: true,
  svga: { vramSizeBytes: 268435456 },
  guestinfo: { hostname: 'ubuntu-lab' },
};
const entry = {
  id: 'ubuntu',
  origin: 'vmx',
  config: { name: 'Ubuntu 64-bit', memoryMiB: 8192, cpus: 4, firmware: 'seabios', vmxPath: '/vms/Ubuntu/Ubuntu 64-bit.vmx' },
  nested: { exposeVirtualization: true, backdoorFromCpl3: false, l0HandlesL2Backdoor: false },
  vmx: settings,
  notices: ['not supported yet: SCSI controller scsi0 ("lsilogic"); the VM starts without scsi0:0 (disk "Ubuntu 64-bit.vmdk")'],
} satisfies LibraryEntry;

function draft(f: VmxForm): VmxDraft {
  const d = vmxDraftFromForm(f);
  if (Array.isArray(d)) throw new Error(d.join(' '));
  return d;
}

function added(r: ReturnType<typeof addFormDrive>): VmxForm {
  if (typeof r === 'string') throw new Error(r);
  return r.form;
}

describe('the .vmx editor form', () => {
  it('untouched, it gives back the settings it was given (nothing to write)', () => {
    const d = draft(formFromVmxEntry(entry));
    expect(d).toEqual({ settings, nested: entry.nested, newDisks: [] });
  });

  it('memory and vCPUs: checked only when changed, then VMware\'s rules', () => {
    const odd = formFromVmxEntry({ ...entry, vmx: { ...settings, memsizeMiB: 30, numvcpus: 12 } });
    expect(draft(odd).settings).toMatchObject({ memsizeMiB: 30, numvcpus: 12 });
    const f = formFromVmxEntry(entry);
    expect(vmxDraftFromForm({ ...f, memoryMiB: '1000.5', cpus: '9' })).toEqual([
      'Memory must be a whole number of MiB, at least 16 and a multiple of 4.',
      'vCPUs must be from 1 to 8.',
    ]);
    expect(draft({ ...f, memoryMiB: '2048', cpus: '2' }).settings).toMatchObject({ memsizeMiB: 2048, numvcpus: 2 });
  });

  it('drives: remove the SCSI disk, add a new SATA disk and an IDE CD, change the ISO and its connection', () => {
    let f = removeDrive(formFromVmxEntry(entry), 'scsi0:0');
    f = added(addFormDrive(f, 'sata', { kind: 'new-disk', sizeGiB: '0.5' }));
    f = added(addFormDrive(f, 'ide', { kind: 'cdrom-image', fileName: '/isos/tools.iso' }));
    f = updateDrive(f, 'sata0:1', { fileName: ' /isos/debian-12.iso ', startConnected: false });
    const d = draft(f);
    expect(d.settings.disks).toEqual([
      { bus: 'sata', controller: 0, unit: 1, present: true, kind: 'cdrom-image', deviceType: 'cdrom-image', fileName: '/isos/debian-12.iso', startConnected: false },
      { bus: 'sata', controller: 0, unit: 0, present: true, kind: 'disk', startConnected: true },
      { bus: 'ide', controller: 1, unit: 0, present: true, kind: 'cdrom-image', deviceType: 'cdrom-image', fileName: '/isos/tools.iso', startConnected: true },
    ]);
    expect(d.newDisks).toEqual([{ device: 'sata0:0', sizeMiB: 512 }]);
    // The SCSI controller stays (Workstation keeps it when its last disk goes).
    expect(d.settings.controllers).toEqual(settings.controllers);
    expect(removeDrive(f, 'sata0:0').newDisks).toEqual({});
  });

  it('a drive on a new controller brings the controller; a drive without a file or size is named', () => {
    const f = added(addFormDrive(formFromVmxEntry(entry), 'nvme', { kind: 'disk', fileName: '' }));
    expect(f.settings.controllers).toContainEqual({ bus: 'nvme', index: 0, present: true });
    expect(vmxDraftFromForm(f)).toEqual(['nvme0:0 needs a file (a VMDK), or remove it.']);
    const g = added(addFormDrive(formFromVmxEntry(entry), 'nvme', { kind: 'new-disk', sizeGiB: 'big' }));
    expect(vmxDraftFromForm(g)).toEqual(['New disk nvme0:0: give its size in GiB, e.g. 20 or 0.5.']);
  });

  it('the network adapter: model, cable at power on, a MAC of the user\'s own becomes static', () => {
    let f = updateNic(formFromVmxEntry(entry), { virtualDev: 'e1000', startConnected: false });
    expect(draft(f).settings.ethernet).toEqual([{ ...settings.ethernet[0], virtualDev: 'e1000', startConnected: false }]);
    f = { ...f, mac: '00:50:56:AA:BB:CC' };
    expect(draft(f).settings.ethernet[0]).toMatchObject({ addressType: 'static', mac: '00:50:56:aa:bb:cc' });
    expect(vmxDraftFromForm({ ...f, mac: 'nope' })).toEqual(['MAC address nope is not a MAC address: use six hex bytes like 00:0c:29:12:34:56']);
    const none = setNicPresent(f, false);
    expect(draft(none).settings.ethernet).toEqual([]);
    const again = setNicPresent(none, true);
    expect(draft(again).settings.ethernet).toEqual([{ index: 0, present: true, virtualDev: 'e1000', connectionType: 'nat', startConnected: true, addressType: 'generated', mac: again.mac }]);
    expect(again.mac).toMatch(/^00:0c:29:/);
  });

  it('clipboard, time sync, firmware and nesting are the .vmx flags', () => {
    let f = formFromVmxEntry(entry);
    f = setSettings(f, { isolation: { ...f.settings.isolation, pasteDisable: false, copyDisable: true }, toolsSyncTime: false, firmware: 'efi' });
    f = { ...f, nested: { ...f.nested, exposeVirtualization: false } };
    expect(draft(f).settings).toMatchObject({
      isolation: { copyDisable: true, pasteDisable: false, other: { 'hgfs.disable': false } },
      toolsSyncTime: false,
      firmware: 'efi',
      nestedVirtualization: false,
    });
  });
});

describe('saveVmx', () => {
  afterEach(() => useVmStore.setState({ notice: undefined }));

  it('sends the settings to main, then shows the library main sends back', async () => {
    const client = new FakeClient();
    client.snapshot = { entries: [{ ...entry, appliesAtNextPowerOn: true }], running: [] };
    const services = { client, sessions: new VmSessions(client) };
    const d = draft({ ...formFromVmxEntry(entry), memoryMiB: '4096' });
    expect(await saveVmx(services, 'ubuntu', d)).toBe(true);
    expect(client.requests).toEqual([{ kind: 'vmx-save', id: 'ubuntu', ...d }, { kind: 'library-list' }]);
    expect(useVmStore.getState().entries[0]!.appliesAtNextPowerOn).toBe(true);
  });

  it('shows main\'s answer when it refuses', async () => {
    const client = new FakeClient();
    client.request = async () => {
      throw new Error('disks[0].fileName must be text of at most 4096 characters without control characters.');
    };
    expect(await saveVmx({ client, sessions: new VmSessions(client) }, 'ubuntu', draft(formFromVmxEntry(entry)))).toBe(false);
    expect(useVmStore.getState().notice).toMatch(/disks\[0\]\.fileName/);
  });
});
