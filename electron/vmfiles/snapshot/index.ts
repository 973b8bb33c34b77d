// Snapshots of a stopped VM's disks (issue 15): the public API for the CLI and the app.
export { takeSnapshot, revertSnapshot, deleteSnapshot, findSnapshot } from './snapshotOps';
export type { OpResult } from './snapshotOps';
export type { CleanupReport, ConsolidationProgress } from './cleanup';
export { listSnapshots, buildSnapshotTree, formatSnapshotTree } from './snapshotTree';
export type { TreeNode } from './snapshotTree';
export { SnapshotError } from './snapshotError';
export type { SnapshotErrorCode } from './snapshotError';
export { INDEX_VERSION, indexPathFor, parseIndex, readIndex } from './snapshotIndex';
export type { SnapshotIndex, VireoSnapshot, SnapshotDisk } from './snapshotIndex';
export { readVmsd, vmsdPathFor } from './vmsd';
export type { Vmsd, VmwareSnapshot } from './vmsd';
