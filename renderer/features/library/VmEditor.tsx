import { useState } from 'react';
import { useServices } from '../../app/services';
import { saveEntry } from '../../app/actions';
import { useVmStore } from '../../store/vmStore';
import { draftFromForm, formFromEntry, type EditorForm } from './draft';
import { NestedToggles } from '../nested/NestedToggles';
import { VmxEditor } from './VmxEditor';
import type { LibraryEntry } from '../../../electron/common/appProtocol';
import { EditorFooter } from './EditorFooter';

/** A VM opened from a .vmx edits its .vmx (VmxEditor); the others their library entry. */
export function VmEditor({ id }: { id?: string }) {
  const entry = useVmStore((s) => s.entries.find((e) => e.id === id));
  if (entry?.vmx) return <VmxEditor key={entry.id} entry={{ ...entry, vmx: entry.vmx }} />;
  if (entry?.origin === 'vmx') return <UnreadableVmx entry={entry} />;
  return <EntryEditor entry={entry} />;
}

/** A .vmx entry whose file cannot be read now: nothing to edit until it can. */
function UnreadableVmx({ entry }: { entry: LibraryEntry }) {
  return (
    <section className="editor" data-testid="vmx-unreadable">
      <h1>Settings: {entry.config.name}</h1>
      <p>
        Its configuration file {entry.config.vmxPath} cannot be read, so there is nothing to edit. Fix or restore the file, then open Settings again.
      </p>
      <ul className="problems">
        {entry.problems?.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
      <div className="editor-actions">
        <button onClick={() => useVmStore.getState().setScreen({ name: 'library' })}>Back</button>
      </div>
    </section>
  );
}

function EntryEditor({ entry }: { entry: LibraryEntry | undefined }) {
  const services = useServices();
  const [form, setForm] = useState<EditorForm>(() => formFromEntry(entry));
  const [problems, setProblems] = useState<string[]>([]);
  const set = <K extends keyof EditorForm>(key: K, value: EditorForm[K]): void => {
    setForm((f) => ({ ...f, [key]: value }));
    setProblems([]);
  };
  const text = (key: 'name' | 'memoryMiB' | 'cpus' | 'kernel' | 'initrd' | 'append', label: string, placeholder = '') => (
    <label className="field">
      <span>{label}</span>
      <input name={key} value={form[key]} placeholder={placeholder} onChange={(e) => set(key, e.target.value)} />
    </label>
  );

  const save = async (): Promise<void> => {
    const draft = draftFromForm(form, entry);
    if (Array.isArray(draft)) {
      setProblems(draft);
      return;
    }
    if (await saveEntry(services, draft)) useVmStore.getState().setScreen({ name: 'library' });
  };

  return (
    <section className="editor" data-testid="editor">
      <h1>{entry ? `Settings: ${entry.config.name}` : 'New virtual machine'}</h1>
      <div className="editor-grid">
        <fieldset>
          <legend>Machine</legend>
          {text('name', 'Name')}
          {text('memoryMiB', 'Memory (MiB)')}
          {text('cpus', 'vCPUs')}
        </fieldset>
        <fieldset>
          <legend>Boot</legend>
          <label className="field">
            <span>Firmware</span>
            <select name="firmware" value={form.firmware} onChange={(e) => set('firmware', e.target.value as EditorForm['firmware'])}>
              <option value="none">None (direct kernel boot)</option>
              <option value="seabios">SeaBIOS</option>
            </select>
          </label>
          {text('kernel', 'Kernel', '/path/to/bzImage')}
          {text('initrd', 'Initrd', 'optional')}
          {text('append', 'Kernel command line', 'console=ttyS0')}
        </fieldset>
        <fieldset>
          <legend>VMware Tools</legend>
          {(['syncTime', 'copyAllowed', 'pasteAllowed'] as const).map((k) => (
            <label className="check" key={k}>
              <input type="checkbox" name={k} checked={form[k]} onChange={(e) => set(k, e.target.checked)} />
              {k === 'syncTime' ? 'Synchronize guest time with host' : k === 'copyAllowed' ? 'Guest → host copy' : 'Host → guest paste'}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Network adapter</legend>
          <label className="field">
            <span>Model</span>
            <select name="nicModel" value={form.model} disabled={form.network === 'none'} onChange={(e) => set('model', e.target.value as EditorForm['model'])}>
              <option value="e1000">Intel e1000 (82545EM)</option>
              <option value="vmxnet3">VMware vmxnet3</option>
            </select>
          </label>
          <label className="field">
            <span>Connection</span>
            <select name="network" value={form.network} onChange={(e) => set('network', e.target.value as EditorForm['network'])}>
              <option value="none">None</option>
              <option value="nat">NAT (passt)</option>
              <option value="unplugged">Cable unplugged</option>
            </select>
          </label>
          <label className="field">
            <span>MAC address</span>
            <input name="mac" value={form.mac} disabled={form.network === 'none'} onChange={(e) => set('mac', e.target.value)} />
          </label>
          <label className="field">
            <span>Port forwards</span>
            <input
              name="portForwards"
              value={form.portForwards}
              placeholder="tcp:8080-:80, tcp:2222-:22"
              disabled={form.network !== 'nat'}
              onChange={(e) => set('portForwards', e.target.value)}
            />
          </label>
        </fieldset>
        <NestedToggles value={form.nested} onChange={(nested) => set('nested', nested)} />
      </div>
      <EditorFooter problems={problems} onSave={() => void save()} />
    </section>
  );
}
