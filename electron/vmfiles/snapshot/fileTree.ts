// The VM's disk files as a tree: every file in the chain of a file something needs, with
// what needs it. A file is *pinned* when a Vireo snapshot, a VMware snapshot (.vmsd) or
// the .vmx's present state names it directly; it is *protected* when VMware's snapshot
// tree needs it (pinned by VMware or an ancestor of such a file): Vireo never writes or
// deletes a protected file. Building the tree opens every chain read-only, so a missing,
// moved, damaged or looping disk is found before anything is changed.
import * as path from 'node:path';
import { inspectChain, insideFolder, type Chain } from './diskChain';
import type { VmState } from './vmState';

export type Pin =
  | { kind: 'vireo'; id: number; node: string }
  | { kind: 'vmware'; uid: number; node: string }
  | { kind: 'current'; node: string };

export interface FileNode {
  real: string;
  /** Relative to the VM folder. */
  rel: string;
  cid?: number;
  /** Real path of the parent; undefined for a base disk. */
  parent?: string;
  pins: Pin[];
  /** Listed in the index's `deltas`: a file Vireo made and may delete. */
  vireoMade: boolean;
}

export class FileTree {
  readonly nodes = new Map<string, FileNode>();
  /** The chain of each pinned file, by its real path. */
  readonly chains = new Map<string, Chain>();
  /** Vireo deltas that could not be read: never deleted, reported. */
  readonly unreadable = new Map<string, string>();
  readonly folder: string;
  private readonly vireo: Set<string>;

  constructor(folder: string, vireoRels: Iterable<string>) {
    this.folder = folder;
    this.vireo = new Set(vireoRels);
  }

  add(chain: Chain): void {
    this.chains.set(chain.layers[0].real, chain);
    for (const l of chain.layers) {
      let n = this.nodes.get(l.real);
      if (!n) {
        n = { real: l.real, rel: l.rel, cid: l.cid, parent: l.parent, pins: [], vireoMade: this.vireo.has(l.rel) };
        this.nodes.set(l.real, n);
      }
    }
  }

  pin(real: string, pin: Pin): void {
    this.nodes.get(real)!.pins.push(pin);
  }

  children(real: string): FileNode[] {
    return [...this.nodes.values()].filter((n) => n.parent === real);
  }

  /** Pinned by a VMware snapshot, or below one in its chain. */
  isProtected(real: string): boolean {
    const stack = [real];
    const seen = new Set<string>();
    while (stack.length) {
      const r = stack.pop()!;
      if (seen.has(r)) continue;
      seen.add(r);
      if (this.nodes.get(r)?.pins.some((p) => p.kind === 'vmware')) return true;
      for (const c of this.children(r)) stack.push(c.real);
    }
    return false;
  }
}

/**
 * The tree of everything the VM needs: its present disks, every Vireo snapshot but
 * `without` (the one being deleted), every VMware snapshot, and the deltas Vireo made.
 */
export function buildTree(s: VmState, without?: number): FileTree {
  const tree = new FileTree(s.folder, s.index.deltas);
  for (const d of s.disks) {
    const chain = inspectChain(d.real, s.folder, `disk ${d.node} of ${path.basename(s.vmx)}`);
    tree.add(chain);
    tree.pin(chain.layers[0].real, { kind: 'current', node: d.node });
  }
  for (const snap of s.index.snapshots) {
    if (snap.id === without) continue;
    for (const disk of snap.disks) {
      const what = `disk ${disk.node} of snapshot '${snap.name}'`;
      const otherwise = `or delete the snapshot (vireo snapshot ${s.vmx} delete ${JSON.stringify(snap.name)})`;
      const chain = inspectChain(insideFolder(s.folder, disk.file, what, otherwise), s.folder, what, otherwise);
      tree.add(chain);
      tree.pin(chain.layers[0].real, { kind: 'vireo', id: snap.id, node: disk.node });
    }
  }
  for (const snap of s.vmsd?.snapshots ?? []) {
    for (const disk of snap.disks) {
      const what = `disk ${disk.node} of VMware snapshot '${snap.name}'`;
      const otherwise = 'or delete the snapshot in VMware';
      const chain = inspectChain(insideFolder(s.folder, disk.fileName, what, otherwise), s.folder, what, otherwise);
      tree.add(chain);
      tree.pin(chain.layers[0].real, { kind: 'vmware', uid: snap.uid, node: disk.node });
    }
  }
  // Deltas Vireo made that nothing needs any more (after a revert or a delete, or left by
  // an operation that was interrupted): part of the tree so that cleanup finds them.
  for (const rel of s.index.deltas) {
    const real = path.resolve(s.folder, rel);
    if (tree.nodes.has(real)) continue;
    try {
      tree.add(inspectChain(insideFolder(s.folder, rel, `delta ${rel}`), s.folder, `delta ${rel}`));
    } catch (err) {
      tree.unreadable.set(rel, (err as Error).message);
    }
  }
  return tree;
}
