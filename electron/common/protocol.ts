// Every message between a client (renderer through the preload, the CLI, the browser dev
// host, tests) and a VM host process. One discriminated union per direction, each member
// tagged by `kind`; handle them with exhaustive switches. Each boundary is spelled out once,
// here, so the compiler finds every place a new message must be handled.
import type { VmmErrorShape } from './errors';

export const PROTOCOL_VERSION = 1;

export type Firmware = 'none' | 'seabios';

/** The controllers a disk can sit on: PIIX3 IDE, virtio-blk, AHCI (SATA), NVMe. */
export type DiskBusName = 'ide' | 'virtio' | 'sata' | 'nvme';

/** What a VM host needs to start one VM. Paths are absolute. */
/** A disk image the guest sees: VMDK (any layout vmfiles reads), raw image or ISO. */
export interface DiskSpec {
  path: string;
  kind: 'disk' | 'cdrom';
  /** IDE (ide0 disks, ide1 CD-ROMs), virtio-blk (disks), SATA AHCI ports in order, or NVMe (one disk). */
  bus?: DiskBusName;
  /**
   * Where on its bus, as the .vmx names it: IDE 0-3 (ide<channel>:<drive> as channel*2+drive),
   * the SATA port (sata0:<port>), NVMe 0. Absent: placed in order as `bus` says.
   */
  unit?: number;
  readOnly?: boolean;
}

/** NIC models Vireo emulates (`ethernet<N>.virtualDev`). */
export type NicModel = 'e1000' | 'vmxnet3';

/** Workstation's NAT port forwarding: host port → guest port (passt -t / -u). */
export interface PortForward {
  protocol: 'tcp' | 'udp';
  hostPort: number;
  guestPort: number;
}

/** A network adapter. `nat`: user-mode NAT through passt (DHCP, DNS, outbound
 *  connections, port forwards); `unplugged`: the adapter is there, its cable is not. */
export interface NicSpec {
  model: NicModel;
  connection: 'nat' | 'unplugged';
  /** Six hex bytes, colon separated. */
  mac: string;
  portForwards?: PortForward[];
}

/** Per-NIC cumulative traffic (rates are the receiver's job) and link state. */
export interface NicSample {
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  link: boolean;
}

export interface VmConfig {
  name: string;
  memoryMiB: number;
  cpus: number;
  kernel?: string;
  initrd?: string;
  append?: string;
  firmware: Firmware;
  /** A BIOS image other than the packaged SeaBIOS (implies firmware boot). */
  firmwarePath?: string;
  /** Path of the .vmx the VM came from, when it came from one. */
  vmxPath?: string;
  /**
   * With vmxPath: real paths of disk/CD files outside the VM folder that the user allowed
   * (`vireo run --allow-external-disks`, the app's question). The VM host refuses any other
   * disk outside the folder.
   */
  externalDisks?: string[];
  /** A guest reset ends the run instead of rebooting. */
  noReboot?: boolean;
  /** The guest sees VT-x/AMD-V (VMware's `vhv.enable`) where the host KVM can nest. */
  nestedVirtualization?: boolean;
  display?: { maxWidth: number; maxHeight: number; vramMiB: number };
  tools?: { syncTime: boolean; copyAllowed: boolean; pasteAllowed: boolean };
  guestInfo?: Record<string, string>;
  disks?: DiskSpec[];
  nics?: NicSpec[];
  /** Write a PNG of the last screen here when the guest stops (CLI --screenshot). */
  screenshotOnStop?: string;
  /** vmware.log rotation from the .vmx (`log.keepOld`, `log.rotateSize`; electron/vmhost/vmLog.ts). */
  log?: { keepOld?: number; rotateSize?: number };
}

export type VmState = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

/** How a guest run ended (CLI exit status and UI text follow from it). */
export type StopReason = 'poweroff' | 'reset' | 'triple-fault' | 'error' | 'host';

export type PowerOp = 'pause' | 'resume' | 'stop' | 'reset' | 'soft-shutdown' | 'soft-reboot';

/** Cumulative exit counters: counters[vcpu * EXIT_REASONS.length + reason]. */
export interface TelemetrySample {
  seq: number;
  tMs: number;
  vcpus: number;
  counters: number[];
  ports: BusRangeSample[];
  mmio: BusRangeSample[];
  backdoor: Record<string, number>;
  kvm: Record<string, number>;
  nics?: NicSample[];
}

export interface BusRangeSample {
  name: string;
  base: number;
  length: number;
  hits: number;
}

export interface HostCapabilities {
  kvm: boolean;
  kvmError?: VmmErrorShape;
  /** Each toggle: whether the host supports it and, when not, why. */
  nested: {
    exposeVirtualization: Toggle;
    backdoorFromCpl3: Toggle;
    l0HandlesL2Backdoor: Toggle;
  };
}

export interface Toggle {
  supported: boolean;
  enabled: boolean;
  reason?: string;
}

export type ToolsState = 'not-running' | 'running' | 'stopped';

export interface GuestToolsInfo {
  state: ToolsState;
  version?: string;
  osName?: string;
  ipAddresses: string[];
}

export interface DisplayMode {
  width: number;
  height: number;
  source: 'none' | 'text' | 'vbe' | 'svga';
}

/** Dirty rectangle with its pixels as RGBA, row-major, width*height*4 bytes. */
export interface FrameRect {
  x: number;
  y: number;
  width: number;
  height: number;
  rgba: Uint8Array;
}

// ---- client -> VM host ----
export type HostRequest =
  | { kind: 'start'; v: 1; config: VmConfig }
  | { kind: 'power'; v: 1; op: PowerOp }
  | { kind: 'serial-in'; v: 1; data: Uint8Array }
  | { kind: 'serial-flow'; v: 1; paused: boolean }
  | { kind: 'screenshot'; v: 1; id: number; path: string }
  | { kind: 'key'; v: 1; code: string; down: boolean }
  | { kind: 'pointer'; v: 1; x: number; y: number; buttons: number }
  | { kind: 'viewport'; v: 1; width: number; height: number }
  | { kind: 'host-clipboard'; v: 1; text: string }
  | { kind: 'set-tools-option'; v: 1; option: 'syncTime' | 'copy' | 'paste'; enabled: boolean }
  | { kind: 'guestinfo-set'; v: 1; key: string; value: string }
  /** Asks for a 'guestinfo' event listing every guestinfo variable the tools service holds. */
  | { kind: 'guestinfo-list'; v: 1 }
  /** Asks for a 'vm-log' event with the end of this run's vmware.log. */
  | { kind: 'vm-log'; v: 1 }
  | { kind: 'frames'; v: 1; enabled: boolean }
  /** The virtual cable of network adapter `index` (ethernet<index>) plugged in or out. */
  | { kind: 'net-link'; v: 1; index: number; up: boolean };

// ---- second clients of a running VM (vireo guestinfo): the VM host's control socket ----
// One JSON object per line each way, one response per request, in order
// (electron/vmhost/controlServer.ts; the path: electron/vmfiles/controlSocket.ts).
export type ControlRequest =
  | { kind: 'guestinfo-get'; v: 1; key: string }
  | { kind: 'guestinfo-set'; v: 1; key: string; value: string };

export type ControlResponse = { ok: true; value?: string } | { ok: false; error: string };

// ---- VM host -> client ----
export type HostEvent =
  | { kind: 'hello'; v: 1; protocol: number; capabilities: HostCapabilities }
  | { kind: 'state'; v: 1; state: VmState; reason?: StopReason; code?: number; detail?: string }
  | { kind: 'serial-out'; v: 1; data: Uint8Array }
  | { kind: 'telemetry'; v: 1; sample: TelemetrySample }
  | { kind: 'milestone'; v: 1; value: number; tMs: number }
  | { kind: 'mode'; v: 1; mode: DisplayMode }
  | { kind: 'frame'; v: 1; width: number; height: number; rects: FrameRect[] }
  | { kind: 'screenshot-done'; v: 1; id: number; path?: string; error?: string }
  | { kind: 'tools'; v: 1; info: GuestToolsInfo }
  | { kind: 'guest-clipboard'; v: 1; text: string }
  | { kind: 'guestinfo'; v: 1; entries: GuestInfoEntry[] }
  /** The last lines of vmware.log (VM_LOG_TAIL at most); no path when the VM has no folder. */
  | { kind: 'vm-log'; v: 1; path?: string; lines: string[] }
  | { kind: 'error'; v: 1; error: VmmErrorShape }
  /** Something the user should know that does not stop the VM (e.g. passt ended). */
  | { kind: 'notice'; v: 1; message: string };

/** One guestinfo variable as the app lists it; `value` is cut at GUESTINFO_SHOWN chars. */
export interface GuestInfoEntry {
  key: string;
  value: string;
  /** 'host': the host set it (.vmx, app, vireo guestinfo; kept across a guest reset); 'guest': only the guest did (RPCI info-set). */
  source: 'guest' | 'host';
  truncated: boolean;
}
export const GUESTINFO_SHOWN = 1024;
export const VM_LOG_TAIL = 200;
