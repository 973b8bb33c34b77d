// Settings of a VM opened from a .vmx: edits its .vmx (VMware's keys; main writes only
// what changed, atomically). While the VM runs the change is written and applies at its
// next power on, as in Workstation. What Vireo does not emulate yet is listed, never hidden.
import { useState } from 'react';
import { useServices } from '../../app/services';
import { saveVmx } from '../../app/actions';
import { useVmStore, vmState } from '../../store/vmStore';
import { deviceName, isCdrom, MAX_VCPUS, type VmSettings, type VmxBus } from '../../../electron/common/vmxSettings';
import type { LibraryEntry } from '../../../electron/common/appProtocol';
import { NestedToggles } from '../nested/NestedToggles';
import { addFormDrive, formFromVmxEntry, nicOf, removeDrive, setNicPresent, setSettings, updateDrive, updateNic, vmxDraftFromForm, type VmxForm } from './vmxDraft';
import { EditorFooter } from './EditorFooter';

const KIND_LABEL = { disk: 'Hard disk', 'cdrom-image': 'CD/DVD (ISO)', 'cdrom-raw': 'CD/DVD (host drive)', other: 'Other' } as const;
const BUS_LABEL: Record<VmxBus, string> = { ide: 'IDE', sata: 'SATA', nvme: 'NVMe', scsi: 'SCSI' };

export function VmxEditor({ entry }: { entry: LibraryEntry & { vmx: VmSettings } }) {
  const services = useServices();
  const running = useVmStore((s) => vmState(s.vms, entry.id) !== 'stopped');
  const [form, setForm] = useState<VmxForm>(() => formFromVmxEntry(entry));
  const [problems, setProblems] = useState<string[]>([]);
  const [add, setAdd] = useState<{ bus: VmxBus; what: 'disk' | 'new-disk' | 'cdrom-image'; value: string }>({ bus: 'sata', what: 'new-disk', value: '20' });
  const edit = (f: VmxForm): void => {
    setForm(f);
    setProblems([]);
  };
  const s = form.settings;
  const nic = nicOf(s);

  const addDrive = (): void => {
    const r = addFormDrive(form, add.bus, add.what === 'new-disk' ? { kind: 'new-disk', sizeGiB: add.value } : { kind: add.what, fileName: add.value.trim() });
    if (typeof r === 'string') setProblems([r]);
    else edit(r.form);
  };

  const save = async (): Promise<void> => {
    const draft = vmxDraftFromForm(form);
    if (Array.isArray(draft)) {
      setProblems(draft);
      return;
    }
    if (await saveVmx(services, entry.id, draft)) useVmStore.getState().setScreen({ name: 'library' });
  };

  return (
    <section className="editor" data-testid="vmx-editor">
      <h1>Settings: {entry.config.name}</h1>
      <p className="vm-meta">
        Configuration file: <span data-testid="vmx-path">{entry.config.vmxPath}</span>
      </p>
      {running && (
        <p className="warning" role="status" data-testid="applies-next-power-on">
          The VM is running: changes are written to its .vmx now and apply at its next power on.
        </p>
      )}
      {(entry.problems?.length || entry.notices?.length) ? (
        <ul className="vm-notices" data-testid="vmx-notices">
          {[...(entry.problems ?? []), ...(entry.notices ?? [])].map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <div className="editor-grid">
        <fieldset>
          <legend>Machine</legend>
          <label className="field">
            <span>Memory (MiB)</span>
            <input name="memoryMiB" value={form.memoryMiB} onChange={(e) => edit({ ...form, memoryMiB: e.target.value })} />
          </label>
          <label className="field">
            <span>vCPUs (1–{MAX_VCPUS})</span>
            <input name="cpus" value={form.cpus} onChange={(e) => edit({ ...form, cpus: e.target.value })} />
          </label>
          <label className="field">
            <span>Firmware</span>
            <select name="firmware" value={s.firmware} onChange={(e) => edit(setSettings(form, { firmware: e.target.value as VmSettings['firmware'] }))}>
              <option value="bios">BIOS</option>
              <option value="efi">UEFI (not supported yet)</option>
            </select>
          </label>
        </fieldset>
        <fieldset className="wide" data-testid="vmx-drives">
          <legend>Disks and CD/DVD drives</legend>
          <table className="drives">
            <tbody>
              {s.disks.map((d) => {
                const device = deviceName(d);
                const isNew = form.newDisks[device] !== undefined;
                return (
                  <tr key={device} data-testid={`drive-${device}`}>
                    <td className="drive-device">{device}</td>
                    <td>{KIND_LABEL[d.kind]}{d.present ? '' : ' (not present)'}</td>
                    <td className="drive-file">
                      {isNew ? (
                        <span>new disk, {form.newDisks[device]} GiB</span>
                      ) : (
                        <input
                          name={`file-${device}`}
                          aria-label={`${device} file`}
                          value={d.fileName ?? ''}
                          disabled={d.kind === 'cdrom-raw' || d.kind === 'other'}
                          onChange={(e) => edit(updateDrive(form, device, { fileName: e.target.value }))}
                        />
                      )}
                    </td>
                    <td>
                      {isCdrom(d) && (
                        <label className="check">
                          <input
                            type="checkbox"
                            name={`connected-${device}`}
                            checked={d.startConnected}
                            onChange={(e) => edit(updateDrive(form, device, { startConnected: e.target.checked }))}
                          />
                          connected
                        </label>
                      )}
                    </td>
                    <td>
                      <button onClick={() => edit(removeDrive(form, device))} aria-label={`Remove ${device}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="drive-add">
            <select name="addBus" value={add.bus} onChange={(e) => setAdd({ ...add, bus: e.target.value as VmxBus })}>
              {(['sata', 'ide', 'nvme'] as const).map((b) => (
                <option key={b} value={b}>
                  {BUS_LABEL[b]}
                </option>
              ))}
            </select>
            <select
              name="addWhat"
              value={add.what}
              onChange={(e) => {
                const what = e.target.value as typeof add.what;
                setAdd({ ...add, what, value: what === 'new-disk' ? '20' : '' });
              }}
            >
              <option value="new-disk">New disk (GiB)</option>
              <option value="disk">Existing VMDK</option>
              <option value="cdrom-image">CD/DVD image (ISO)</option>
            </select>
            <input
              name="addValue"
              aria-label="size or file"
              value={add.value}
              placeholder={add.what === 'new-disk' ? 'size in GiB' : '/path/to/file'}
              onChange={(e) => setAdd({ ...add, value: e.target.value })}
            />
            <button onClick={addDrive}>Add</button>
          </div>
          <p className="hint">Attaching or ejecting an ISO while the VM runs is not supported yet: the change applies at the next power on.</p>
        </fieldset>
        <fieldset data-testid="vmx-nic">
          <legend>Network adapter</legend>
          <label className="check">
            <input type="checkbox" name="nicPresent" checked={!!nic} onChange={(e) => edit(setNicPresent(form, e.target.checked))} />
            {nic ? `ethernet${nic.index}` : 'Network adapter'}
          </label>
          {nic && (
            <>
              <label className="field">
                <span>Model</span>
                <select name="nicModel" value={nic.virtualDev ?? 'e1000'} onChange={(e) => edit(updateNic(form, { virtualDev: e.target.value }))}>
                  <option value="e1000">Intel e1000 (82545EM)</option>
                  <option value="vmxnet3">VMware vmxnet3</option>
                  {nic.virtualDev && nic.virtualDev !== 'e1000' && nic.virtualDev !== 'vmxnet3' && (
                    <option value={nic.virtualDev}>{nic.virtualDev} (not supported yet)</option>
                  )}
                </select>
              </label>
              <label className="field">
                <span>Connection</span>
                <select name="nicConnection" value={nic.connectionType} onChange={(e) => edit(updateNic(form, { connectionType: e.target.value }))}>
                  <option value="nat">NAT</option>
                  {nic.connectionType !== 'nat' && <option value={nic.connectionType}>{nic.connectionType} (not supported yet)</option>}
                </select>
              </label>
              <label className="check">
                <input type="checkbox" name="nicConnected" checked={nic.startConnected} onChange={(e) => edit(updateNic(form, { startConnected: e.target.checked }))} />
                Connect at power on
              </label>
              <label className="field">
                <span>MAC address</span>
                <input name="mac" value={form.mac} placeholder="generated at power on" onChange={(e) => edit({ ...form, mac: e.target.value })} />
              </label>
            </>
          )}
        </fieldset>
        <fieldset>
          <legend>VMware Tools</legend>
          <label className="check">
            <input type="checkbox" name="syncTime" checked={s.toolsSyncTime} onChange={(e) => edit(setSettings(form, { toolsSyncTime: e.target.checked }))} />
            Synchronize guest time with host
          </label>
          <label className="check">
            <input
              type="checkbox"
              name="copyAllowed"
              checked={!s.isolation.copyDisable}
              onChange={(e) => edit(setSettings(form, { isolation: { ...s.isolation, copyDisable: !e.target.checked } }))}
            />
            Guest → host copy
          </label>
          <label className="check">
            <input
              type="checkbox"
              name="pasteAllowed"
              checked={!s.isolation.pasteDisable}
              onChange={(e) => edit(setSettings(form, { isolation: { ...s.isolation, pasteDisable: !e.target.checked } }))}
            />
            Host → guest paste
          </label>
        </fieldset>
        <NestedToggles value={form.nested} onChange={(nested) => edit({ ...form, nested })} />
      </div>
      <EditorFooter problems={problems} onSave={() => void save()} />
    </section>
  );
}
