// `vireo list [FOLDER...]` and `vireo create NAME ...`: the VM library on disk
// (electron/vmfiles/library.ts has the rules for folders, locks and the files written).
import * as fs from 'node:fs';
import {
  CreateVmError, type CreateVmOptions, type VmSummary, createVm, defaultRoot, libraryRoots, listVms,
} from '../vmfiles/library';
import { humanSize } from '../vmfiles/vmdk/index';
import { UsageError, parseMemory } from './args';
import { parseDiskSize } from './disk';

export const LIBRARY_USAGE = `usage: vireo list [FOLDER...]   (VMs in $VIREO_LIBRARY or ~/Vireo, the folders listed one per
                                 line in its .folders file, e.g. ~/vmware, and FOLDER...)
       vireo create NAME [--memory 1G] [--cpus 2] [--disk 20G] [--guest-os other-64] [--cdrom ISO]
                    [--folder DIR]   (makes DIR/NAME/NAME.vmx + NAME.vmdk; DIR defaults to the library)`;

const DEFAULTS = { memory: '1G', cpus: '2', disk: '20G', guestOS: 'other-64' };

/** Terminal-safe text: a hostile displayName or path must not carry escape sequences. */
const printable = (s: string) => [...s].map((ch) => {
  const c = ch.codePointAt(0)!;
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) ? '?' : ch; // C0, DEL, C1 controls
}).join('');

const formatMemory = (mib: number) => (mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`);

function diskColumn(vm: VmSummary): string {
  if (vm.error) return '-';
  if (!vm.disks.length) return 'none';
  if (vm.disks.some((d) => d.virtualSize === undefined)) return '?';
  return humanSize(vm.disks.reduce((n, d) => n + d.virtualSize!, 0));
}

/** The table: one row per VM, then indented lines for its problems. */
export function formatVmTable(vms: VmSummary[]): string {
  const header = ['NAME', 'STATE', 'MEMORY', 'VCPUS', 'DISK', 'PATH'];
  const rows = vms.map((vm) => [
    printable(vm.name),
    vm.state,
    vm.memoryMiB === undefined ? '-' : formatMemory(vm.memoryMiB),
    vm.cpus === undefined ? '-' : String(vm.cpus),
    diskColumn(vm),
    printable(vm.vmxPath),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const out = [line(header)];
  vms.forEach((vm, i) => {
    out.push(line(rows[i]));
    if (vm.error) out.push(`  error: ${printable(vm.error)}`);
    for (const d of vm.disks) if (d.error) out.push(`  ${d.device}: ${printable(d.error)}`);
  });
  return out.join('\n') + '\n';
}

/** `vireo list [FOLDER...]`: always 0; unreadable VMs and folders are shown, not fatal. */
export function listCommand(argv: string[], out: (text: string) => void, env: NodeJS.ProcessEnv = process.env): number {
  for (const arg of argv) {
    if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}: use vireo list [FOLDER...]`);
    if (!isDirectory(arg)) throw new UsageError(`folder ${arg} does not exist: give a folder that holds VM folders`);
  }
  const root = defaultRoot(env);
  const roots = libraryRoots(argv, env);
  const { vms, folderErrors } = listVms(roots);
  let text = vms.length ? formatVmTable(vms) : `no VMs in ${roots.join(', ')}: make one with vireo create NAME\n`;
  for (const f of folderErrors) text += `folder ${printable(f.folder)}: ${printable(f.error)}\n`;
  // Folders from .folders that are gone (an unmounted disk, a moved VMware folder).
  for (const r of roots) if (r !== root && !fs.existsSync(r)) text += `folder ${printable(r)} (from ${root}/.folders) does not exist\n`;
  out(text);
  return 0;
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const VALUE_OPTIONS: Record<string, keyof typeof DEFAULTS | 'cdrom' | 'folder'> = {
  '--memory': 'memory', '--cpus': 'cpus', '--disk': 'disk', '--guest-os': 'guestOS', '--cdrom': 'cdrom', '--folder': 'folder',
};

/** `vireo create NAME [options]`: prints the new .vmx path. */
export function createCommand(argv: string[], out: (text: string) => void, env: NodeJS.ProcessEnv = process.env): number {
  const given: Partial<Record<keyof typeof DEFAULTS | 'cdrom' | 'folder', string>> = {};
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const opt = VALUE_OPTIONS[arg];
    if (opt) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      given[opt] = value;
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}: see vireo --help`);
    } else if (name === undefined) {
      name = arg;
    } else {
      throw new UsageError(`vireo create takes one NAME, got ${JSON.stringify(name)} and ${JSON.stringify(arg)}: quote a name with spaces`);
    }
  }
  if (name === undefined) throw new UsageError('vireo create needs a NAME: vireo create NAME [--memory 1G] [--cpus 2] [--disk 20G]');
  const raw = { ...DEFAULTS, ...given };
  const cpus = Number(raw.cpus);
  if (!/^\d+$/.test(raw.cpus)) throw new UsageError(`--cpus ${raw.cpus} is not a whole number: use 1 to 8`);
  let diskBytes: number;
  try {
    diskBytes = parseDiskSize(raw.disk);
  } catch {
    throw new UsageError(`--disk ${raw.disk} is not a size: use e.g. 20G or 512M`);
  }
  const options: CreateVmOptions = {
    root: given.folder ?? defaultRoot(env),
    name,
    memoryMiB: parseMemory(raw.memory),
    cpus,
    diskGiB: diskBytes / 2 ** 30,
    guestOS: raw.guestOS,
    cdrom: given.cdrom,
  };
  let vmx: string;
  try {
    vmx = createVm(options);
  } catch (err) {
    if (!(err instanceof CreateVmError)) throw err;
    const option: Record<keyof CreateVmOptions, string> = {
      root: `--folder ${options.root}`,
      name: `NAME ${JSON.stringify(name)}`,
      memoryMiB: `--memory ${raw.memory}`,
      cpus: `--cpus ${raw.cpus}`,
      diskGiB: `--disk ${raw.disk}`,
      guestOS: `--guest-os ${JSON.stringify(raw.guestOS)}`,
      cdrom: `--cdrom ${given.cdrom}`,
    };
    throw new UsageError(`${option[err.field]} ${err.why}`);
  }
  out(`${vmx}\n`);
  return 0;
}
