// Low-frequency state: the library, which VMs run, each VM's lifecycle, tools and display
// mode, host capabilities, and what the window shows. Changes a few times per second at
// most, so components select from it normally.
import { create } from 'zustand';
import type {
  GuestInfoEntry,
  DisplayMode,
  GuestToolsInfo,
  HostCapabilities,
  StopReason,
  VmState,
} from '../../electron/common/protocol';
import type { VmmErrorShape } from '../../electron/common/errors';
import type { LibraryEntry, LibrarySnapshot } from '../../electron/common/appProtocol';

export interface ToolsOptions {
  syncTime: boolean;
  copy: boolean;
  paste: boolean;
}

export interface VmView {
  state: VmState;
  reason?: StopReason;
  detail?: string;
  tools: GuestToolsInfo;
  mode: DisplayMode;
  options: ToolsOptions;
  capabilities?: HostCapabilities;
  lastError?: VmmErrorShape;
  /** The last notice from the VM host (a paused-for-disk-full message, a network note). */
  notice?: string;
  serialPaused: boolean;
  /** The last guestinfo listing the VM host sent (asked for with guestinfo-list). */
  guestInfo?: GuestInfoEntry[];
  /** The end of this run's vmware.log, as last asked for (vm-log). */
  vmLog?: { path?: string; lines: string[] };
}

export type Screen = { name: 'library' } | { name: 'edit'; id?: string } | { name: 'console'; id: string };

interface VmStoreState {
  entries: LibraryEntry[];
  vms: Record<string, VmView>;
  hostCapabilities?: HostCapabilities;
  screen: Screen;
  notice?: string;
  setLibrary(snapshot: LibrarySnapshot): void;
  updateVm(id: string, patch: Partial<VmView>): void;
  setScreen(screen: Screen): void;
  setHostCapabilities(caps: HostCapabilities): void;
  setNotice(text: string | undefined): void;
}

export const NO_TOOLS: GuestToolsInfo = { state: 'not-running', ipAddresses: [] };
export const NO_MODE: DisplayMode = { width: 0, height: 0, source: 'none' };

export function defaultOptions(entry: LibraryEntry | undefined): ToolsOptions {
  const t = entry?.config.tools;
  return { syncTime: t?.syncTime ?? true, copy: t?.copyAllowed ?? true, paste: t?.pasteAllowed ?? true };
}

function freshView(entry: LibraryEntry | undefined, state: VmState): VmView {
  return { state, tools: NO_TOOLS, mode: NO_MODE, options: defaultOptions(entry), serialPaused: false };
}

export const useVmStore = create<VmStoreState>((set, get) => ({
  entries: [],
  vms: {},
  screen: { name: 'library' },
  setLibrary(snapshot) {
    const vms = { ...get().vms };
    for (const r of snapshot.running) {
      const entry = snapshot.entries.find((e) => e.id === r.id);
      const prev = vms[r.id] ?? freshView(entry, r.state);
      vms[r.id] = { ...prev, state: r.state, reason: r.reason, detail: r.detail };
    }
    set({ entries: snapshot.entries, vms });
  },
  updateVm(id, patch) {
    const entry = get().entries.find((e) => e.id === id);
    const prev = get().vms[id] ?? freshView(entry, 'stopped');
    set({ vms: { ...get().vms, [id]: { ...prev, ...patch } } });
  },
  setScreen: (screen) => set({ screen }),
  setHostCapabilities: (hostCapabilities) => set({ hostCapabilities }),
  setNotice: (notice) => set({ notice }),
}));

/** A VM's state as the library shows it ('stopped' when it never ran). */
export function vmState(vms: Record<string, VmView>, id: string): VmState {
  return vms[id]?.state ?? 'stopped';
}
