// `vireo snapshot VM.vmx list`: Vireo's snapshots and VMware's (from the .vmsd, marked
// read-only) as one tree, with "you are here" under the snapshot the present state
// descends from. Reads only; works while the VM runs.
import * as path from 'node:path';
import type { SnapshotIndex } from './snapshotIndex';
import { loadVm } from './vmState';
import type { Vmsd } from './vmsd';

export interface TreeNode {
  kind: 'vireo' | 'vmware' | 'here';
  /** Vireo id or VMware uid; 0 for "you are here". */
  id: number;
  name: string;
  created?: Date;
  description: string;
  machineState: boolean;
  children: TreeNode[];
}

/** Roots of the combined tree. Without an index, "you are here" is VMware's current. */
export function buildSnapshotTree(index: SnapshotIndex, indexExists: boolean, vmsd: Vmsd | null): TreeNode[] {
  const roots: TreeNode[] = [];
  const vmware = new Map<number, TreeNode>();
  const vireo = new Map<number, TreeNode>();
  for (const s of vmsd?.snapshots ?? []) {
    vmware.set(s.uid, { kind: 'vmware', id: s.uid, name: s.name, created: s.created, description: s.description, machineState: false, children: [] });
  }
  for (const s of index.snapshots) {
    vireo.set(s.id, { kind: 'vireo', id: s.id, name: s.name, created: new Date(s.created), description: s.description, machineState: !!s.machineState, children: [] });
  }
  const attach = (node: TreeNode, under: TreeNode | undefined) => (under ? under.children : roots).push(node);
  for (const s of vmsd?.snapshots ?? []) attach(vmware.get(s.uid)!, s.parent === null ? undefined : vmware.get(s.parent));
  for (const s of index.snapshots) {
    // A VMware parent deleted in VMware since: the snapshot shows at the top level.
    attach(vireo.get(s.id)!, s.parent !== null ? vireo.get(s.parent) : s.vmwareParent !== undefined ? vmware.get(s.vmwareParent) : undefined);
  }
  const here: TreeNode = { kind: 'here', id: 0, name: 'you are here', description: '', machineState: false, children: [] };
  if (indexExists) attach(here, index.current !== null ? vireo.get(index.current) : index.vmwareCurrent !== undefined ? vmware.get(index.vmwareCurrent) : undefined);
  else attach(here, vmsd?.current ? vmware.get(vmsd.current) : undefined);
  return roots;
}

/** Text shown for a name or description from a file: one line, no control characters. */
function shown(text: string, max: number): string {
  let out = '';
  for (const ch of text) out += ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? ' ' : ch;
  out = out.trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function label(n: TreeNode): string {
  if (n.kind === 'here') return '▶ you are here';
  const parts = [shown(n.name, 120)];
  if (n.kind === 'vmware') parts.push('[VMware, read-only]');
  if (n.created && !Number.isNaN(n.created.getTime())) parts.push(n.created.toISOString().slice(0, 16).replace('T', ' ') + ' UTC');
  if (n.machineState) parts.push('[with machine state]');
  const line = parts.join('  ');
  return n.description ? `${line}  — ${shown(n.description, 80)}` : line;
}

export function formatSnapshotTree(roots: TreeNode[]): string {
  const lines: string[] = [];
  const walk = (nodes: TreeNode[], prefix: string) => {
    nodes.forEach((n, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└─ ' : '├─ '}${label(n)}`);
      walk(n.children, prefix + (last ? '   ' : '│  '));
    });
  };
  walk(roots, '');
  return lines.join('\n') + '\n';
}

export function listSnapshots(vmx: string): string {
  const s = loadVm(vmx);
  const roots = buildSnapshotTree(s.index, s.indexExists, s.vmsd);
  const count = s.index.snapshots.length + (s.vmsd?.snapshots.length ?? 0);
  const head = `${path.basename(s.vmx)}: ${count === 0 ? 'no snapshots' : `${count} snapshot${count > 1 ? 's' : ''}`}${s.vmsd ? ` (VMware's ${path.basename(s.vmsd.file)} shown read-only)` : ''}`;
  return `${head}\n${formatSnapshotTree(roots)}`;
}
