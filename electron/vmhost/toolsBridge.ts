// Joins the native backdoor to the TypeScript tools services for one VM: complete
// GuestRPC messages in, replies out; tools state, guest info and clipboard to the client;
// the client's viewport, clipboard and switches to the guest.
import { GUESTINFO_SHOWN, type ControlRequest, type ControlResponse, type GuestInfoEntry, type GuestToolsInfo, type HostEvent, type PowerOp, type VmConfig } from '../common/protocol';
import type { NativeVm } from './native';
import { ToolsService } from './tools/toolsService';

const DEFAULT_VIEWPORT = { width: 1024, height: 768 };
/**
 * GETGUIOPTIONS bit VMWARE_GUI_SYNC_TIME (open-vm-tools lib/include/backdoor_def.h): what
 * `vmware-toolbox-cmd timesync status|enable|disable` reads first (toolbox/
 * toolboxcmd-time.c); `disable` tells the host nothing while the bit is clear.
 */
const GUI_SYNC_TIME = 0x400;

/**
 * What the bridge uses of the VM: the addon's backdoor calls. A running VM's NativeVm
 * has them; so does the backdoor tracer's link (electron/testing/backdoorTracer.ts),
 * which serves host processes with the same native device code.
 */
export type ToolsBackdoor = Pick<NativeVm, 'onGuestRpc' | 'mirrorGuestInfo' | 'setBackdoorState' | 'setHostClipboard' | 'setClipboardPolicy'>;

export class ToolsBridge {
  readonly tools: ToolsService;

  constructor(
    private readonly vm: ToolsBackdoor,
    config: VmConfig,
    private readonly emit: (event: HostEvent) => void,
  ) {
    const policy = config.tools ?? { syncTime: true, copyAllowed: true, pasteAllowed: true };
    this.tools = new ToolsService({ syncTime: policy.syncTime, copyAllowed: policy.copyAllowed, pasteAllowed: policy.pasteAllowed });
    // Every guestinfo change (guest info-set or host) is mirrored natively first, so the
    // guest's next info-get is answered without a crossing.
    this.tools.on('guestInfo', (change) => {
      vm.mirrorGuestInfo(change.key, change.value);
      this.report();
    });
    vm.setClipboardPolicy(policy.copyAllowed, policy.pasteAllowed);
    vm.setBackdoorState({
      screenWidth: DEFAULT_VIEWPORT.width,
      screenHeight: DEFAULT_VIEWPORT.height,
      mouseAbsolute: true,
      guiOptions: policy.syncTime ? GUI_SYNC_TIME : 0,
    });
    this.tools.on('syncTime', (on) => vm.setBackdoorState({ guiOptions: on ? GUI_SYNC_TIME : 0 }));
    for (const [key, value] of Object.entries(config.guestInfo ?? {})) this.tools.setGuestInfo(key, value);
    vm.onGuestRpc((m) => {
      if (m.id === 0) {
        this.tools.onClose(m.channel, m.tclo, m.session);
        return undefined;
      }
      return this.tools.onMessage(m.channel, m.tclo, m.bytes, m.session);
    });
    this.tools.on('state', () => this.report());
    this.tools.on('clipboardPolicy', (p) => vm.setClipboardPolicy(p.copyAllowed, p.pasteAllowed));
  }

  info(): GuestToolsInfo {
    const state = this.tools.toolsState();
    const os = this.tools.guestOs();
    const ip = this.tools.ipAddress();
    return {
      state: state.status === 'running' ? 'running' : state.status === 'stopped' ? 'stopped' : 'not-running',
      version: state.versionString,
      osName: os.fullName ?? os.name,
      ipAddresses: ip ? [ip] : [],
    };
  }

  /** Every guestinfo variable for the app's list (values cut at GUESTINFO_SHOWN). */
  guestInfoList(): GuestInfoEntry[] {
    return this.tools.info.list().map((e) => ({
      ...e,
      value: e.value.length > GUESTINFO_SHOWN ? e.value.slice(0, GUESTINFO_SHOWN) : e.value,
      truncated: e.value.length > GUESTINFO_SHOWN,
    }));
  }

  /** A control-socket request (vireo guestinfo): any guestinfo key, host- or guest-set. */
  control(request: ControlRequest): ControlResponse {
    if (request.kind === 'guestinfo-get') {
      const value = this.tools.getGuestInfo(request.key);
      return value === undefined ? { ok: false, error: `${request.key}: no value` } : { ok: true, value };
    }
    const r = this.tools.setGuestInfo(request.key, request.value);
    return r.ok ? { ok: true } : { ok: false, error: `${request.key}: ${r.error}` };
  }

  setViewport(width: number, height: number): void {
    this.vm.setBackdoorState({ screenWidth: width, screenHeight: height });
    this.tools.setViewport(width, height);
  }

  setHostClipboard(text: string): void {
    this.vm.setHostClipboard(text);
  }

  setOption(option: 'syncTime' | 'copy' | 'paste', enabled: boolean): void {
    if (option === 'syncTime') {
      this.tools.setSyncTime(enabled);
      return;
    }
    const p = this.tools.clipboardPolicy();
    this.tools.setClipboardPolicy(option === 'copy' ? { ...p, copyAllowed: enabled } : { ...p, pasteAllowed: enabled });
  }

  /** Soft power operations go through the guest's tools (TCLO OS_Halt / OS_Reboot). */
  async softPower(op: Extract<PowerOp, 'soft-shutdown' | 'soft-reboot'>): Promise<void> {
    const result = op === 'soft-shutdown' ? await this.tools.requestSoftPowerOff() : await this.tools.requestReboot();
    if (result !== 'ok') {
      const why = result === 'unavailable' ? 'VMware Tools are not running in the guest' : `the guest's tools answered ${result}`;
      this.emit({ kind: 'error', v: 1, error: { code: 'invalid-argument', message: `${op}: ${why}` } });
    }
  }

  dispose(): void {
    this.tools.dispose();
  }

  private report(): void {
    this.emit({ kind: 'tools', v: 1, info: this.info() });
  }
}
