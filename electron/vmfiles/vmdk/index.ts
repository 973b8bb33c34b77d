// Public API of the disk-image layer (used by `vireo disk info|check|create` and the VM host).
export { openDisk } from './open';
export type { OpenOptions } from './open';
export type { DiskImage, DiskInfo } from './disk';
export type { DiskProblem, ExtentInfo } from './extent';
export { createDeltaVmdk, createSparseVmdk } from './create';
export type { CreateOptions, DeltaOptions, SparseSubformat, AdapterType } from './create';
export { setParentLink } from './relink';
export type { ParentLink } from './relink';
export { DiskError } from './errors';
export type { DiskErrorCode } from './errors';
export { NO_PARENT_CID, parseDescriptor, quotableName, serializeDescriptor } from './descriptor';
export type { Descriptor, ExtentLine } from './descriptor';
export { formatCheck, formatDiskInfo, humanSize } from './report';
export { MAX_CHAIN_DEPTH } from './open';
