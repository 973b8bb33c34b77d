// `vireo snapshot VM.vmx take NAME [--description TEXT] | list | revert NAME | delete NAME`:
// snapshots of a stopped VM's disks (vmfiles/snapshot), like VMware's Snapshot Manager.
// Problems are one line on stderr with the remedy (exit 2); consolidation progress goes to
// stderr, what was done to stdout.
import { deleteSnapshot, listSnapshots, revertSnapshot, takeSnapshot, type ConsolidationProgress } from '../vmfiles/snapshot/index';
import { UsageError } from './args';

export const SNAPSHOT_USAGE = `vireo snapshot VM.vmx take NAME [--description TEXT]   snapshot the disks of a stopped VM
vireo snapshot VM.vmx list                     the snapshot tree (VMware's shown read-only), with "you are here"
vireo snapshot VM.vmx revert NAME              back to a snapshot's disk state (the snapshot stays)
vireo snapshot VM.vmx delete NAME              delete a snapshot; its disk changes are consolidated`;

export type SnapshotArgs =
  | { vmx: string; op: 'take'; name: string; description: string }
  | { vmx: string; op: 'list' }
  | { vmx: string; op: 'revert' | 'delete'; name: string };

export function parseSnapshotArgs(argv: string[]): SnapshotArgs {
  const usage = `usage:\n${SNAPSHOT_USAGE}`;
  const [vmx, op, ...rest] = argv;
  if (!vmx || vmx.startsWith('-') || !op) throw new UsageError(usage);
  switch (op) {
    case 'take': {
      let name: string | undefined;
      let description: string | undefined;
      for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (a === '--description') {
          if (description !== undefined) throw new UsageError('snapshot take: --description is given twice');
          description = rest[++i];
          if (description === undefined) throw new UsageError('snapshot take: --description needs a TEXT');
        } else if (a.startsWith('--')) {
          throw new UsageError(`snapshot take: unknown option ${a} (only --description TEXT)`);
        } else if (name === undefined) {
          name = a;
        } else {
          throw new UsageError(`snapshot take takes one NAME (got ${JSON.stringify(name)} and ${JSON.stringify(a)}): quote a name with spaces`);
        }
      }
      if (name === undefined) throw new UsageError(`snapshot take needs a NAME\n${usage}`);
      return { vmx, op, name, description: description ?? '' };
    }
    case 'list':
      if (rest.length) throw new UsageError(`snapshot list takes no arguments (got ${rest.join(' ')})`);
      return { vmx, op };
    case 'revert':
    case 'delete':
      if (rest.length !== 1) throw new UsageError(`snapshot ${op} takes one NAME\n${usage}`);
      return { vmx, op, name: rest[0] };
    default:
      throw new UsageError(`unknown snapshot command ${op}: use take, list, revert or delete\n${usage}`);
  }
}

/** Progress on stderr, a line each time another tenth of a consolidation is done. */
function progressTo(err: (text: string) => void): ConsolidationProgress {
  let last = '';
  return (from, into, done, total) => {
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    const key = `${from}\n${into}\n${tenth}`;
    if (key === last) return;
    last = key;
    err(`consolidating ${from} into ${into}: ${tenth * 10}%\n`);
  };
}

export function snapshotCommand(argv: string[], out: (text: string) => void, err: (text: string) => void): number {
  const a = parseSnapshotArgs(argv);
  switch (a.op) {
    case 'list':
      out(listSnapshots(a.vmx));
      return 0;
    case 'take':
      out(takeSnapshot(a.vmx, a.name, a.description, new Date(), progressTo(err)).lines.join('\n') + '\n');
      return 0;
    case 'revert':
      out(revertSnapshot(a.vmx, a.name, progressTo(err)).lines.join('\n') + '\n');
      return 0;
    case 'delete':
      out(deleteSnapshot(a.vmx, a.name, progressTo(err)).lines.join('\n') + '\n');
      return 0;
  }
}
