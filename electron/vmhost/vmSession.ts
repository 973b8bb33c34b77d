// One VM's lifecycle inside the VM host: builds the native machine from a VmConfig,
// streams the serial port, samples telemetry at 10 Hz, and reports how the run ended.
import * as net from 'node:net';
import * as path from 'node:path';

import { VMM_ERROR_CODES, type VmmErrorCode } from '../common/errors';
import type { HostEvent, HostRequest, StopReason, VmConfig, VmState } from '../common/protocol';
import { controlSocketPath } from '../vmfiles/controlSocket';
import { acquireLock, type FileLock } from '../vmfiles/lock';
import { ControlServer } from './controlServer';
import { DiskSet } from './diskSet';
import { DisplaySession } from './displaySession';
import type { RequestSink } from './hostRequest';
import { hostCapabilities } from './hostCapabilities';
import { set2Code } from './keymap';
import { NetworkSet } from './network';
import { loadNative, type NativeVm, type NativeVmConfig, type NativeVmEvent } from './native';
import { TelemetrySampler } from './telemetry';
import { VmLog } from './vmLog';
import { ToolsBridge } from './toolsBridge';

export const SEABIOS_PATH = process.env.VIREO_SEABIOS ?? '/usr/share/seabios/bios-256k.bin';
export const VGA_ROM = process.env.VIREO_VGA_ROM ?? '/usr/share/seabios/vgabios-vmware.bin';
export const LINUXBOOT_ROM = path.resolve(__dirname, '../../../native/firmware/build/linuxboot.bin');
const TELEMETRY_MS = 100;

const NATIVE_CODES = new Set<string>(VMM_ERROR_CODES);

/** Native errors carry a VmmErrorCode; vmfiles errors (disk images, locks) are input problems. */
function errorCodeOf(e: Error & { code?: string }): VmmErrorCode {
  if (e.code && NATIVE_CODES.has(e.code)) return e.code as VmmErrorCode;
  if (e.code === 'locked' || e.code === 'forbidden-path') return 'invalid-argument';
  if (e.code === 'io' || e.code === 'missing-extent') return 'io';
  return e.code ? 'image-format' : 'internal';
}

export function toNativeConfig(config: VmConfig): NativeVmConfig {
  return {
    memoryBytes: config.memoryMiB * 1024 * 1024,
    cpus: config.cpus,
    kernel: config.kernel,
    initrd: config.initrd,
    cmdline: config.append ?? '',
    firmware: config.firmwarePath ?? (config.firmware === 'seabios' ? SEABIOS_PATH : undefined),
    linuxbootRom: LINUXBOOT_ROM,
    vgaRom: VGA_ROM,
    displayMaxWidth: config.display?.maxWidth,
    displayMaxHeight: config.display?.maxHeight,
    serialConsole: true,
    noReboot: config.noReboot ?? false,
    nestedVirtualization: config.nestedVirtualization ?? false,
    kvmPath: process.env.VIREO_KVM_DEVICE,
  };
}

export class VmSession implements RequestSink {
  private vm?: NativeVm;
  private serial?: net.Socket;
  private timer?: NodeJS.Timeout;
  private sampler?: TelemetrySampler;
  private tools?: ToolsBridge;
  private display?: DisplaySession;
  private disks?: DiskSet;
  private network?: NetworkSet;
  private vmLock?: FileLock;
  private control?: ControlServer;
  private pointer = { x: 0, y: 0 };
  // What a client asked for before the VM existed (a window attaches before start).
  private framesWanted = false;
  private viewportWanted?: { width: number; height: number };
  private state: VmState = 'stopped';
  private screenshotOnStop?: string;

  private vmLog?: VmLog;
  private readonly emit: (event: HostEvent) => void;

  constructor(emit: (event: HostEvent) => void, private readonly onEnded: () => void) {
    // What the clients are told, the VM's vmware.log sees too (it keeps what VMware logs).
    this.emit = (event) => {
      this.vmLog?.event(event);
      emit(event);
    };
  }

  start(config: VmConfig): void {
    const native = loadNative();
    this.screenshotOnStop = config.screenshotOnStop;
    this.setState('starting');
    try {
      // The VM itself is locked as VMware does (<name>.vmx.lck), then each of its disks.
      if (config.vmxPath) {
        this.vmLock = acquireLock(config.vmxPath);
        this.openLog(config.vmxPath, config); // only once the VM is ours: it rotates the folder's logs
      }
      if (config.nestedVirtualization) {
        // KVM offers VMX/SVM only where it can nest; say so instead of pretending.
        const nested = hostCapabilities().nested.exposeVirtualization;
        if (!nested.supported) {
          this.emit({ kind: 'notice', v: 1, message: `nested virtualization is on for this VM (vhv.enable), but ${nested.reason ?? 'this host cannot nest'}: the guest sees no VT-x/AMD-V` });
        }
      }
      this.network = new NetworkSet(config.nics ?? [], (message) =>
        this.emit({ kind: 'notice', v: 1, message }),
      );
      this.disks = new DiskSet(config.disks ?? [], { vmxPath: config.vmxPath, externalDisks: config.externalDisks });
      this.vm = new native.Vm({ ...toNativeConfig(config), disks: this.disks.nativeConfig(), nics: this.network.nativeConfig() });
    } catch (err) {
      this.disks?.close();
      this.vmLock?.release();
      const e = err as Error & { code?: string };
      this.emit({ kind: 'error', v: 1, error: { code: errorCodeOf(e), message: e.message } });
      this.setState('stopped', 'error');
      this.vmLog?.close();
      this.onEnded();
      return;
    }
    const vm = this.vm;
    this.disks!.onDiskFull = (file, err) => this.pauseForDisk(file, err.errno ?? 'ENOSPC');
    this.disks!.attach(vm);
    this.network!.attach(vm);
    this.serial = new net.Socket({ fd: vm.takeSerialFd(), readable: true, writable: true });
    this.serial.on('data', (chunk: Buffer) =>
      this.emit({ kind: 'serial-out', v: 1, data: new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length) }),
    );
    this.serial.on('error', () => undefined);
    this.tools = new ToolsBridge(vm, config, this.emit);
    if (config.vmxPath) this.serveControl(config.vmxPath, this.tools);
    this.tools.tools.on('log', (text) => this.vmLog?.guest(text));
    this.tools.tools.on('powerOp', (p) => this.vmLog?.write('vmx', `Tools power operation ${p.op}: ${p.result}`));
    this.display = new DisplaySession(vm, this.emit);
    if (this.framesWanted) this.display.setFrames(true);
    if (this.viewportWanted) this.tools.setViewport(this.viewportWanted.width, this.viewportWanted.height);
    this.sampler = new TelemetrySampler(vm, () => vm.backdoorStats());
    this.timer = setInterval(() => this.emit({ kind: 'telemetry', v: 1, sample: this.sampler!.sample() }), TELEMETRY_MS);
    vm.start((event) => this.onNativeEvent(event));
    this.setState('running');
  }

  handle(request: HostRequest): void {
    switch (request.kind) {
      case 'start':
        if (this.vm) this.alreadyRunning();
        else this.start(request.config);
        return;
      case 'power':
        return this.power(request.op);
      case 'serial-in':
        this.serial?.write(request.data);
        return;
      case 'serial-flow':
        if (request.paused) this.serial?.pause();
        else this.serial?.resume();
        return;
      case 'screenshot': {
        const { id, path: file } = request;
        if (!this.display) {
          this.emit({ kind: 'screenshot-done', v: 1, id, error: 'the VM is not running' });
          return;
        }
        this.display.screenshot(file).then(
          () => this.emit({ kind: 'screenshot-done', v: 1, id, path: file }),
          (err: Error) => this.emit({ kind: 'screenshot-done', v: 1, id, error: `${file}: ${err.message}` }),
        );
        return;
      }
      case 'key': {
        const code = set2Code(request.code);
        if (code !== undefined) this.vm?.keyEvent(code, request.down);
        return;
      }
      case 'pointer':
        return this.movePointer(request.x, request.y, request.buttons);
      case 'viewport':
        this.viewportWanted = { width: request.width, height: request.height };
        this.tools?.setViewport(request.width, request.height);
        return;
      case 'host-clipboard':
        this.tools?.setHostClipboard(request.text);
        return;
      case 'set-tools-option':
        this.tools?.setOption(request.option, request.enabled);
        return;
      case 'guestinfo-set':
        this.tools?.tools.setGuestInfo(request.key, request.value);
        return;
      case 'guestinfo-list':
        this.emit({ kind: 'guestinfo', v: 1, entries: this.tools?.guestInfoList() ?? [] });
        return;
      case 'vm-log':
        this.emit({ kind: 'vm-log', v: 1, path: this.vmLog?.path, lines: this.vmLog?.tail() ?? [] });
        return;
      case 'frames':
        this.framesWanted = request.enabled;
        this.display?.setFrames(request.enabled);
        return;
      case 'net-link':
        this.vm?.setNetLink(request.index, request.up);
        return;
    }
  }

  /** The host's disk is full: pause, as Workstation does, and say which file and what to do. */
  private pauseForDisk(file: string, errno: string): void {
    const why = errno === 'EDQUOT' ? 'your disk quota is used up' : errno === 'EFBIG' ? 'the file reached its size limit' : 'no space is left on its file system';
    const message = `The VM is paused: writing ${file} failed because ${why} (${errno}). Free some space there, then Resume: the write is retried and nothing is lost.`;
    this.vmLog?.write('vmx', message);
    this.emit({ kind: 'notice', v: 1, message });
    if (this.state !== 'paused') {
      this.tools?.tools.setPaused(true);
      this.vm?.pause();
      this.setState('paused', undefined, undefined, message);
    }
  }

  /** A start request that failed its check (hostRequest.ts): reported as a start that failed. */
  refuseStart(message: string): void {
    if (this.vm) {
      this.alreadyRunning();
      return;
    }
    this.emit({ kind: 'error', v: 1, error: { code: 'invalid-argument', message } });
    this.setState('stopped', 'error');
    this.onEnded();
  }

  private alreadyRunning(): void {
    this.emit({ kind: 'error', v: 1, error: { code: 'invalid-argument', message: 'this VM host already runs a VM' } });
  }

  private power(op: 'pause' | 'resume' | 'stop' | 'reset' | 'soft-shutdown' | 'soft-reboot'): void {
    const vm = this.vm;
    if (!vm) return;
    switch (op) {
      case 'pause':
        this.tools?.tools.setPaused(true);
        vm.pause();
        this.setState('paused');
        return;
      case 'resume':
        // Held disk writes go first (issue 9): if the host is still full, stay paused.
        if (this.disks?.heldCount() && !this.disks.retryHeld()) return;
        vm.resume();
        this.tools?.tools.setPaused(false);
        this.setState('running');
        return;
      case 'stop':
        this.setState('stopping');
        vm.stop();
        return;
      case 'reset':
        vm.reset();
        return;
      case 'soft-shutdown':
      case 'soft-reboot':
        void this.tools?.softPower(op);
        return;
    }
  }

  private onNativeEvent(event: NativeVmEvent): void {
    switch (event.type) {
      case 'milestone':
        this.emit({ kind: 'milestone', v: 1, value: event.code, tMs: event.tNs / 1e6 });
        return;
      case 'reset':
        this.tools?.tools.notifyReset();
        return;
      case 'guest-clipboard':
        this.emit({ kind: 'guest-clipboard', v: 1, text: event.detail ?? '' });
        return;
      case 'mouse-mode':
        return;
      case 'stopped':
        this.finish((event.reason ?? 'error') as StopReason, event.code, event.detail);
        return;
    }
  }

  /** Screenshot of the final screen (if asked), then finish. */
  private finish(reason: StopReason, code: number, detail?: string): void {
    this.display?.emitFinalFrame();
    const file = this.screenshotOnStop;
    if (!file || !this.display) {
      this.close(reason, code, detail);
      return;
    }
    this.display.screenshot(file).then(
      () => this.emit({ kind: 'screenshot-done', v: 1, id: 0, path: file }),
      (err: Error) => this.emit({ kind: 'screenshot-done', v: 1, id: 0, error: `${file}: ${err.message}` }),
    ).finally(() => this.close(reason, code, detail));
  }

  /** vmware.log in the VM folder; without it the VM still runs (one line on stderr). */
  private openLog(vmxPath: string, config: VmConfig): void {
    try {
      // log.rotateSize = "0" (VMware: no size limit) keeps VmLog's cap: a guest may not fill the disk.
      this.vmLog = new VmLog(path.dirname(vmxPath), { keepOld: config.log?.keepOld, rotateSize: config.log?.rotateSize });
      this.vmLog.write('vmx', `Log for Vireo pid=${process.pid} node=${process.version}`);
      this.vmLog.write('vmx', `Power on ${vmxPath}: ${config.memoryMiB} MiB, ${config.cpus} vCPU(s), firmware ${config.firmware}`);
    } catch (err) {
      process.stderr.write(`vireo: no ${path.join(path.dirname(vmxPath), 'vmware.log')}: ${(err as Error).message}\n`);
    }
  }

  /**
   * The VM's control socket for second clients (vireo guestinfo). Without it the VM still
   * runs (an 'error' event would end a CLI run), so the failure is one line on stderr.
   */
  private serveControl(vmxPath: string, tools: ToolsBridge): void {
    const unavailable = (err: Error) =>
      process.stderr.write(`vireo: no control socket for ${vmxPath} (vireo guestinfo cannot reach this VM): ${err.message}\n`);
    try {
      this.control = new ControlServer(controlSocketPath(vmxPath), (r) => tools.control(r), unavailable);
    } catch (err) {
      unavailable(err as Error);
    }
  }

  /** Closes the machine, drains what the guest wrote, then reports the end. */
  private close(reason: StopReason, code: number, detail?: string): void {
    if (this.timer) clearInterval(this.timer);
    this.control?.close();
    this.tools?.dispose();
    this.display?.stop();
    const vm = this.vm;
    if (vm && this.sampler) this.emit({ kind: 'telemetry', v: 1, sample: this.sampler.sample() });
    vm?.close(); // closes the guest end of the serial socket: the stream ends after its last byte
    this.network?.close();
    this.disks?.close(); // after the vCPUs stopped: every write is in, then the locks go
    this.vmLock?.release();
    const done = () => {
      this.setState('stopped', reason, code, detail);
      this.vmLog?.close();
      this.onEnded();
    };
    if (this.serial && !this.serial.readableEnded) {
      this.serial.resume();
      this.serial.once('end', done);
      this.serial.once('close', () => {
        if (this.state !== 'stopped') done();
      });
    } else {
      done();
    }
  }

  /** Absolute guest pixels from the client; vmmouse takes 0..0xFFFF, PS/2 takes deltas. */
  private movePointer(x: number, y: number, buttons: number): void {
    const vm = this.vm;
    if (!vm) return;
    const dx = x - this.pointer.x;
    const dy = y - this.pointer.y;
    this.pointer = { x, y };
    const size = this.viewport();
    vm.pointerEvent({
      x: Math.max(0, Math.min(0xffff, Math.round((x * 0xffff) / Math.max(1, size.width - 1)))),
      y: Math.max(0, Math.min(0xffff, Math.round((y * 0xffff) / Math.max(1, size.height - 1)))),
      dx,
      dy,
      buttons,
    });
  }

  private viewport(): { width: number; height: number } {
    const m = this.display?.currentMode();
    return m && m.width ? m : { width: 1024, height: 768 };
  }

  private setState(state: VmState, reason?: StopReason, code?: number, detail?: string): void {
    this.state = state;
    this.emit({ kind: 'state', v: 1, state, reason, code, detail });
  }
}
