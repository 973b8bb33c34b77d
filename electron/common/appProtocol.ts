// App-level messages between the renderer and whoever hosts it (Electron main through the
// preload, or the browser dev host over WebSocket): the VM library, starting VMs, the
// clipboard broker. Per-VM traffic is protocol.ts (HostRequest/HostEvent) and does not
// pass through here. Pure types plus channel names: no `electron`, no `node:*`, no DOM.
import type { HostCapabilities, StopReason, VmConfig, VmState } from './protocol';
import type { VmSettings } from './vmxSettings';

/** Nested-virtualization choices kept with a library entry. `exposeVirtualization` reaches
 *  the VM as VmConfig.nestedVirtualization (a .vmx entry's is its `vhv.enable`). */
export interface NestedSettings {
  exposeVirtualization: boolean;
  backdoorFromCpl3: boolean;
  l0HandlesL2Backdoor: boolean;
}

export type EntryOrigin = 'demo' | 'user' | 'vmx';

export interface LibraryEntry {
  id: string;
  origin: EntryOrigin;
  config: VmConfig;
  nested: NestedSettings;
  /** Why the VM cannot start right now (a kernel or .vmx that is not there); absent when it can. */
  problems?: string[];
  /** Disk and CD files the .vmx names outside its VM folder (real paths), found by main
   *  each time the library is listed. The VM starts only once each is allowed. */
  externalDisks?: string[];
  /** The user's answer, asked once and kept in the library file (real paths). */
  allowedExternalDisks?: string[];
  /** What the VM starts without, or differently ("not supported yet: …"), from its .vmx. */
  notices?: string[];
  /** origin 'vmx': the settings its .vmx holds now (the editor edits these). */
  vmx?: VmSettings;
  /** The .vmx was changed while this VM ran: the change applies at its next power on. */
  appliesAtNextPowerOn?: boolean;
}

/** A hard disk of the edited settings that has no file yet: main makes a VMDK of that size. */
export interface NewDiskRequest {
  /** The .vmx device, e.g. `sata0:2`. */
  device: string;
  sizeMiB: number;
}

/** What the editor sends: a new entry has no id yet. */
export interface LibraryEntryDraft {
  id?: string;
  config: VmConfig;
  nested: NestedSettings;
}

export interface RunningVm {
  id: string;
  state: VmState;
  reason?: StopReason;
  detail?: string;
}

export interface LibrarySnapshot {
  entries: LibraryEntry[];
  running: RunningVm[];
}

// ---- renderer -> app (request/response) ----
export type AppRequest =
  | { kind: 'library-list' }
  | { kind: 'library-save'; entry: LibraryEntryDraft }
  | { kind: 'library-remove'; id: string }
  /** Writes a .vmx VM's settings into its .vmx (VMware's keys; the rest of the file as it was). */
  | { kind: 'vmx-save'; id: string; settings: VmSettings; nested: NestedSettings; newDisks: NewDiskRequest[] }
  | { kind: 'vm-start'; id: string }
  /** The user allowed this VM's files outside its folder; main keeps only those it found. */
  | { kind: 'vm-allow-external-disks'; id: string; files: string[] }
  | { kind: 'capabilities' }
  | { kind: 'clipboard-read' }
  | { kind: 'clipboard-write'; text: string };

/** The reply type of each request kind. */
export interface AppReplies {
  'library-list': LibrarySnapshot;
  'library-save': LibraryEntry;
  'library-remove': null;
  'vmx-save': LibraryEntry;
  'vm-start': null;
  'vm-allow-external-disks': LibraryEntry;
  capabilities: HostCapabilities;
  'clipboard-read': string;
  'clipboard-write': null;
}

export type AppReply<K extends AppRequest['kind']> = AppReplies[K];

// ---- app -> renderer (push) ----
export type AppEvent =
  | { kind: 'library'; snapshot: LibrarySnapshot }
  /** Bring this VM's console to the front (tray "Show", a .vmx opened from the desktop). */
  | { kind: 'show-vm'; id: string };

/** IPC channel names; ipcGate allows exactly these. */
export const APP_CHANNELS = {
  request: 'vireo:request',
  connectVm: 'vireo:connect-vm',
  event: 'vireo:event',
  vmPort: 'vireo:vm-port',
} as const;

export type AppChannel = (typeof APP_CHANNELS)[keyof typeof APP_CHANNELS];

/** Tag of the window message the preload uses to hand a VM MessagePort to the page. */
export const VM_PORT_MESSAGE = 'vireo:vm-port';

/** Sent by main to a VM host together with a MessagePort: speak HostRequest/HostEvent on it. */
export interface AttachPortMessage {
  kind: 'attach-port';
  v: 1;
}

export const NO_NESTED: NestedSettings = { exposeVirtualization: false, backdoorFromCpl3: false, l0HandlesL2Backdoor: false };

/**
 * What the preload exposes as `window.vireo` (functions only, no ipcRenderer). A VM's
 * MessagePort cannot cross contextBridge, so connectVm() makes the preload post it to the
 * page with window.postMessage({type: VM_PORT_MESSAGE, id}, '*', [port]).
 */
export interface VireoApi {
  request(req: AppRequest): Promise<unknown>;
  onEvent(listener: (event: AppEvent) => void): () => void;
  connectVm(id: string): Promise<void>;
}
