// Editor form values <-> library drafts. Validation here is for quick feedback in the
// form; the app (main or dev host) validates again before saving (never trust the page).
import { checkForwards, formatPortForward, generatedMac, normalizeMac, parsePortForward } from '../../../electron/common/nic';
import type { Firmware, NicSpec, VmConfig } from '../../../electron/common/protocol';
import { MAX_VCPUS } from '../../../electron/common/vmxSettings';
import type { LibraryEntry, LibraryEntryDraft, NestedSettings } from '../../../electron/common/appProtocol';

export interface EditorForm {
  name: string;
  memoryMiB: string;
  cpus: string;
  firmware: Firmware;
  kernel: string;
  initrd: string;
  append: string;
  syncTime: boolean;
  copyAllowed: boolean;
  pasteAllowed: boolean;
  nested: NestedSettings;
  /** ethernet0: none, NAT through passt, or present with the cable unplugged. */
  network: 'none' | NicSpec['connection'];
  model: NicSpec['model'];
  mac: string;
  /** "tcp:8080-:80, udp:5353-:53" */
  portForwards: string;
}

export function formFromEntry(e: LibraryEntry | undefined): EditorForm {
  const c = e?.config;
  return {
    name: c?.name ?? 'New VM',
    memoryMiB: String(c?.memoryMiB ?? 64),
    cpus: String(c?.cpus ?? 1),
    firmware: c?.firmware ?? 'none',
    kernel: c?.kernel ?? '',
    initrd: c?.initrd ?? '',
    append: c?.append ?? '',
    syncTime: c?.tools?.syncTime ?? true,
    copyAllowed: c?.tools?.copyAllowed ?? true,
    pasteAllowed: c?.tools?.pasteAllowed ?? true,
    nested: e?.nested ?? { exposeVirtualization: false, backdoorFromCpl3: false, l0HandlesL2Backdoor: false },
    network: c?.nics?.[0]?.connection ?? 'none',
    model: c?.nics?.[0]?.model ?? 'e1000',
    mac: c?.nics?.[0]?.mac ?? generatedMac(),
    portForwards: (c?.nics?.[0]?.portForwards ?? []).map(formatPortForward).join(', '),
  };
}

/** Returns the draft, or a list of problems to show next to the form. */
export function draftFromForm(form: EditorForm, base: LibraryEntry | undefined): LibraryEntryDraft | string[] {
  const problems: string[] = [];
  const memoryMiB = Number(form.memoryMiB);
  const cpus = Number(form.cpus);
  if (!form.name.trim()) problems.push('Name is empty.');
  if (!Number.isInteger(memoryMiB) || memoryMiB < 1 || memoryMiB > 65536) problems.push('Memory must be a whole number of MiB between 1 and 65536.');
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > MAX_VCPUS) problems.push(`vCPUs must be between 1 and ${MAX_VCPUS}.`);
  if (form.firmware === 'none' && !form.kernel.trim()) problems.push('Without firmware the VM needs a kernel to boot.');
  for (const [label, p] of [['Kernel', form.kernel], ['Initrd', form.initrd]] as const) {
    if (p.trim() && !p.trim().startsWith('/')) problems.push(`${label} path must be absolute.`);
  }
  let nics: NicSpec[] | undefined;
  if (form.network !== 'none') {
    try {
      const nic: NicSpec = {
        model: form.model,
        connection: form.network,
        mac: normalizeMac(form.mac.trim(), 'MAC address'),
        portForwards: form.portForwards.split(',').filter((t) => t.trim()).map((t) => parsePortForward(t, 'Port forward')),
      };
      checkForwards(nic, 'Port forwards');
      nics = [nic];
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (problems.length) return problems;
  const optional = (s: string): string | undefined => (s.trim() ? s.trim() : undefined);
  const config: VmConfig = {
    ...base?.config,
    name: form.name.trim(),
    memoryMiB,
    cpus,
    firmware: form.firmware,
    kernel: optional(form.kernel),
    initrd: optional(form.initrd),
    append: optional(form.append),
    tools: { syncTime: form.syncTime, copyAllowed: form.copyAllowed, pasteAllowed: form.pasteAllowed },
    nics,
  };
  return { id: base?.id, config, nested: form.nested };
}
