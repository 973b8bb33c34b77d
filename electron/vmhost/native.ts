// The typed loader of the native addon. Only the VM host loads it (docs/architecture.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DiskBusName } from '../common/protocol';

export interface NativeVmConfig {
  memoryBytes: number;
  cpus: number;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  firmware?: string;
  linuxbootRom?: string;
  vgaRom?: string;
  displayMaxWidth?: number;
  displayMaxHeight?: number;
  disks?: { sizeBytes: number; readOnly: boolean; cdrom: boolean; bus: DiskBusName; unit?: number }[];
  nics?: { model: 'e1000' | 'vmxnet3'; mac: string; connected: boolean }[];
  serialConsole?: boolean;
  noReboot?: boolean;
  /** Keep VMX/SVM in the guest's CPUID (otherwise cleared). */
  nestedVirtualization?: boolean;
  kvmPath?: string;
}

export interface NativeVmEvent {
  type: 'stopped' | 'reset' | 'milestone' | 'guest-clipboard' | 'mouse-mode';
  reason?: 'poweroff' | 'reset' | 'triple-fault' | 'error' | 'host' | 'none';
  code: number;
  tNs: number;
  detail?: string;
}

export interface NativeBusRange {
  name: string;
  base: number;
  length: number;
  hits: number;
}

export interface NativeVm {
  readonly cpus: number;
  start(onEvent: (event: NativeVmEvent) => void): void;
  pause(): void;
  resume(): void;
  stop(): void;
  reset(): void;
  close(): void;
  readExitCounters(buf: Float64Array): number;
  busStats(): { ports: NativeBusRange[]; mmio: NativeBusRange[] };
  kvmStats(): Record<string, number>;
  takeSerialFd(): number;
  onGuestRpc(handler: (message: NativeRpcMessage) => string | undefined): void;
  setBackdoorState(state: NativeBackdoorState): void;
  setHostClipboard(text: string): void;
  /** A guestinfo value the tools service holds, so info-get is answered on the vCPU thread. */
  mirrorGuestInfo(key: string, value: string): void;
  setClipboardPolicy(copyAllowed: boolean, pasteAllowed: boolean): void;
  backdoorStats(): Record<string, number>;
  /** A PS/2 key: set-2 code with 0xE0 in the high byte for extended keys. */
  keyEvent(set2: number, pressed: boolean): boolean;
  pointerEvent(event: { x?: number; y?: number; dx?: number; dy?: number; buttons: number }): boolean;
  displayMode(): NativeDisplayMode | null;
  /** Changed rectangles since the last call (everything with `full`), or null. */
  takeFrame(full: boolean): NativeFrame | null;
  writeVram(offset: number, bytes: Uint8Array): boolean;
  onDiskRequest(handler: (request: NativeDiskRequest) => void): void;
  completeDisk(disk: number, id: number, ok: boolean, data?: Uint8Array): void;
  /** The far end of NIC `index`'s socket pair, for passt --fd (once; -1 after). */
  takeNetFd(index: number): number;
  netStats(): { rxFrames: number; rxBytes: number; txFrames: number; txBytes: number; link: boolean }[];
  /** Plugs or unplugs NIC `index`'s virtual cable (the guest sees a link change). */
  setNetLink(index: number, up: boolean): boolean;
}

export interface NativeRpcMessage {
  /** 0 for a close notice (no reply). */
  id: number;
  channel: number;
  tclo: boolean;
  session: number;
  bytes: Buffer;
}

export interface NativeBackdoorState {
  /** GETGUIOPTIONS mask: VMWARE_GUI_SYNC_TIME 0x400 when periodic time sync is on. */
  guiOptions?: number;
  screenWidth?: number;
  screenHeight?: number;
  mouseAbsolute?: boolean;
  pointerGrabbed?: boolean;
  pointerX?: number;
  pointerY?: number;
}

export interface NativeDisplayMode {
  width: number;
  height: number;
  source: 'none' | 'text' | 'vga' | 'vbe' | 'svga' | 'boot';
}

export interface NativeFrame {
  mode: NativeDisplayMode;
  /** offset: where the rect's RGBA pixels start in `pixels` (rows packed). */
  rects: { x: number; y: number; width: number; height: number; offset: number }[];
  pixels: Buffer;
}

export interface NativeDiskRequest {
  disk: number;
  id: number;
  op: 'read' | 'write' | 'flush';
  offset: number;
  length: number;
  data?: Buffer;
}

export interface NativeHostInfo {
  kvm: boolean;
  kvmError?: { code: string; message: string };
  maxVcpus?: number;
  nestedState?: boolean;
  vmwareBackdoorParam: string;
  nestedParam: string;
  /** kvm_intel, kvm_amd or kvm_pvm (the last emulates every guest instruction). */
  vendorModule: string;
}

export interface NativeAddon {
  Vm: new (config: NativeVmConfig) => NativeVm;
  hostInfo(kvmPath?: string): NativeHostInfo;
  exitReasons: string[];
}

let cached: NativeAddon | undefined;

/** The path of native/build/Release/vireo_native.node in the compiled or packaged layout. */
export function nativeModulePath(): string {
  const candidates = [
    process.env.VIREO_NATIVE,
    path.resolve(__dirname, '../../../native/build/Release/vireo_native.node'),
    path.resolve(__dirname, '../../native/build/Release/vireo_native.node'),
    (process as { resourcesPath?: string }).resourcesPath
      ? path.join((process as { resourcesPath?: string }).resourcesPath as string, 'native/vireo_native.node')
      : undefined,
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`the native VMM module is not built (looked in ${candidates.join(', ')}): run npm run build:native`);
  }
  return found;
}

export function loadNative(): NativeAddon {
  if (cached) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached = require(nativeModulePath()) as NativeAddon;
  return cached;
}
