// ToolsService: the host half of VMware Tools, answering complete GuestRPC messages that
// the native backdoor device hands over (one call per message, on the vCPU's behalf: keep
// it synchronous and quick). RPCI requests go to rpci.ts; TCLO channels run the start-up
// conversation of docs/vmware-backdoor.md §5.3 (reset -> "OK ATR <app>", Capabilities_Register,
// Set_Option…) and carry host requests: soft power, time sync, resolution.
import { EventEmitter } from 'node:events';

import { GuestInfoStore, type GuestInfoChange, type GuestOsInfo, type InfoSetResult } from './guestInfo';
import { POWER_OPS, PowerOpTracker, type PowerOp, type PowerOpResult } from './powerOps';
import { handleRpci } from './rpci';
import { messageText, parseTcloReply, type TcloReply } from './rpcText';
import { TcloChannel } from './tcloChannel';
import { ToolsStateTracker, type ToolsState } from './toolsState';

export interface ToolsServiceOptions {
  /** tools.syncTime: guest periodic sync (Set_Option synctime) plus host Time_Synchronize. */
  syncTime?: boolean;
  syncPeriodMs?: number;
  /** isolation.tools.copy.disable / paste.disable, inverted. */
  copyAllowed?: boolean;
  pasteAllowed?: boolean;
  resolutionDebounceMs?: number;
  powerOpTimeoutMs?: number;
  /** A TCLO channel that has not polled for this long is considered gone (VM running). */
  heartbeatTimeoutMs?: number;
  now?: () => number;
}

export interface ToolsEvents {
  state: [ToolsState];
  guestInfo: [GuestInfoChange];
  log: [string];
  powerOp: [{ op: PowerOp; result: PowerOpResult }];
  clipboardPolicy: [{ copyAllowed: boolean; pasteAllowed: boolean }];
  /** Periodic time sync turned on or off (host UI, or vmware-toolbox-cmd timesync). */
  syncTime: [boolean];
}

const MAX_DIMENSION = 16384;

/**
 * Clipboard policy from .vmx keys: isolation.tools.copy.disable (guest -> host) and
 * isolation.tools.paste.disable (host -> guest), "TRUE"/"FALSE" (case-insensitive).
 */
export function clipboardPolicyFromVmx(get: (key: string) => string | undefined): {
  copyAllowed: boolean;
  pasteAllowed: boolean;
} {
  const disabled = (key: string) => /^(true|1|yes)$/i.test(get(key)?.trim() ?? '');
  return {
    copyAllowed: !disabled('isolation.tools.copy.disable'),
    pasteAllowed: !disabled('isolation.tools.paste.disable'),
  };
}

export class ToolsService extends EventEmitter<ToolsEvents> {
  readonly info: GuestInfoStore;
  private readonly tools = new ToolsStateTracker();
  private readonly power: PowerOpTracker;
  private readonly channels = new Map<number, TcloChannel>();
  private readonly opts: Required<Omit<ToolsServiceOptions, 'now'>>;
  private readonly now: () => number;
  private paused = false;
  private viewport?: { w: number; h: number };
  private sentViewport?: string;
  private resizeTimer?: ReturnType<typeof setTimeout>;
  private readonly syncTimer: ReturnType<typeof setInterval>;
  private readonly heartbeatTimer: ReturnType<typeof setInterval>;

  constructor(options: ToolsServiceOptions = {}) {
    super();
    this.opts = {
      syncTime: options.syncTime ?? false,
      syncPeriodMs: options.syncPeriodMs ?? 60_000,
      copyAllowed: options.copyAllowed ?? true,
      pasteAllowed: options.pasteAllowed ?? true,
      resolutionDebounceMs: options.resolutionDebounceMs ?? 250,
      powerOpTimeoutMs: options.powerOpTimeoutMs ?? 30_000,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 15_000,
    };
    this.now = options.now ?? Date.now;
    this.info = new GuestInfoStore((c) => this.emit('guestInfo', c));
    this.power = new PowerOpTracker(globalThis);
    this.syncTimer = setInterval(() => this.periodicSync(), this.opts.syncPeriodMs);
    this.heartbeatTimer = setInterval(() => this.checkHeartbeats(), Math.max(1000, this.opts.heartbeatTimeoutMs / 3));
    this.syncTimer.unref?.();
    this.heartbeatTimer.unref?.();
  }

  // ---- the native seam ------------------------------------------------------------------

  /**
   * One complete guest message (GuestRpcHandler::on_message). RPCI: returns the reply.
   * TCLO: `msg` is the guest's reply to the previous command (empty when polling); returns
   * the next command or ''. `session` changes when the guest re-opens a channel number.
   */
  onMessage(channel: number, tclo: boolean, msg: string | Uint8Array, session = 0): string {
    const text = messageText(msg);
    if (!tclo) {
      return handleRpci(
        {
          info: this.info,
          tools: this.tools,
          power: this.power,
          log: (line) => this.emit('log', line),
          toolsChanged: () => this.toolsChanged(),
          setOption: (option, value) => this.guestSetOption(option, value),
        },
        text,
      );
    }
    return this.tcloChannel(channel, session).poll(parseTcloReply(text), this.now());
  }

  /** GuestRpcHandler::on_close: the guest closed a channel or the host failed them all. */
  onClose(channel: number, tclo: boolean, session = 0): void {
    if (!tclo) return;
    const ch = this.channels.get(channel);
    if (ch && (session === 0 || ch.session === session)) this.dropChannel(ch);
  }

  // ---- host API --------------------------------------------------------------------------

  toolsState(): ToolsState {
    return this.tools.snapshot();
  }

  setGuestInfo(key: string, value: string): InfoSetResult {
    return this.info.hostSet(key, value);
  }

  getGuestInfo(key: string): string | undefined {
    return this.info.get(key);
  }

  guestOs(): GuestOsInfo {
    return this.info.os();
  }

  ipAddress(): string | undefined {
    return this.info.ipAddress();
  }

  requestSoftPowerOff(timeoutMs = this.opts.powerOpTimeoutMs): Promise<PowerOpResult> {
    return this.powerOp('halt', timeoutMs);
  }

  requestReboot(timeoutMs = this.opts.powerOpTimeoutMs): Promise<PowerOpResult> {
    return this.powerOp('reboot', timeoutMs);
  }

  /** The host window's client area changed; sent (debounced) once the guest can resize. */
  setViewport(w: number, h: number): void {
    if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > MAX_DIMENSION || h > MAX_DIMENSION) {
      throw new RangeError(`viewport ${w}x${h} is outside 1..${MAX_DIMENSION}`);
    }
    this.viewport = { w, h };
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      this.flushViewport();
    }, this.opts.resolutionDebounceMs);
  }

  setSyncTime(on: boolean): void {
    if (this.opts.syncTime === on) return;
    this.opts.syncTime = on;
    this.sendTo('toolbox', `Set_Option synctime ${on ? 1 : 0}`);
    this.emit('syncTime', on);
  }

  syncTime(): boolean {
    return this.opts.syncTime;
  }

  clipboardPolicy(): { copyAllowed: boolean; pasteAllowed: boolean } {
    return { copyAllowed: this.opts.copyAllowed, pasteAllowed: this.opts.pasteAllowed };
  }

  /** Also apply the result to the native legacy clipboard (LegacyClipboard::set_policy). */
  setClipboardPolicy(policy: { copyAllowed: boolean; pasteAllowed: boolean }): void {
    this.opts.copyAllowed = policy.copyAllowed;
    this.opts.pasteAllowed = policy.pasteAllowed;
    this.sendTo('toolbox-dnd', `Set_Option copypaste ${this.copyPasteOn() ? 1 : 0}`);
    this.emit('clipboardPolicy', this.clipboardPolicy());
  }

  /** TCLO `ping` (§5.4): resolves true when the application answers "OK". */
  async ping(app = 'toolbox'): Promise<boolean> {
    return (await this.sendCommand(app, 'ping')).ok;
  }

  /** Sends a raw TCLO command to an application's channel; resolves with its reply. */
  sendCommand(app: string, command: string): Promise<TcloReply> {
    return new Promise((resolve) => {
      if (!this.sendTo(app, command, resolve)) resolve({ ok: false, text: 'tools not running' });
    });
  }

  /** VM paused / resumed (heartbeats stop while paused). After a resume or restore the guest clock is stale. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) return;
    const now = this.now();
    for (const ch of this.channels.values()) ch.lastPollMs = now;
    this.sendTo('toolbox', 'Time_Synchronize 1');
  }

  /** VM reset or powered off: channels and guest-published data are gone. */
  notifyReset(): void {
    for (const ch of [...this.channels.values()]) this.dropChannel(ch);
    this.tools.reset();
    this.info.clearGuestData();
    this.sentViewport = undefined;
    this.emit('state', this.tools.snapshot());
  }

  dispose(): void {
    clearInterval(this.syncTimer);
    clearInterval(this.heartbeatTimer);
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.removeAllListeners();
  }

  // ---- TCLO ------------------------------------------------------------------------------

  private tcloChannel(channel: number, session: number): TcloChannel {
    const old = this.channels.get(channel);
    if (old && old.session === session) return old;
    if (old) this.dropChannel(old);
    const ch = new TcloChannel(channel, session, this.now());
    this.channels.set(channel, ch);
    // Every newly opened TCLO channel starts with reset; the reply names the app.
    ch.enqueue('reset', (reply) => this.onReset(ch, reply));
    return ch;
  }

  private onReset(ch: TcloChannel, reply: TcloReply): void {
    const m = /^ATR (\S+)/.exec(reply.text);
    if (!reply.ok || !m) return;
    ch.app = m[1];
    if (this.tools.appStarted(ch.app)) this.emit('state', this.tools.snapshot());
    ch.enqueue('Capabilities_Register');
    for (const option of this.startupOptions(ch.app)) ch.enqueue(`Set_Option ${option}`);
    if (ch.app === 'toolbox') ch.enqueue('Time_Synchronize 1');
  }

  private startupOptions(app: string): string[] {
    if (app === 'toolbox') {
      return [
        'broadcastIP 1',
        `synctime ${this.opts.syncTime ? 1 : 0}`,
        'time.synchronize.tools.enable 1',
        'time.synchronize.tools.startup 1',
        'toolScripts.afterPowerOn 1',
        'toolScripts.afterResume 1',
        'toolScripts.beforePowerOff 1',
        'toolScripts.beforeSuspend 1',
      ];
    }
    if (app === 'toolbox-dnd') return [`copypaste ${this.copyPasteOn() ? 1 : 0}`, 'enableDnD 0'];
    return [];
  }

  private copyPasteOn(): boolean {
    return this.opts.copyAllowed || this.opts.pasteAllowed;
  }

  private channelOf(app: string): TcloChannel | undefined {
    for (const ch of this.channels.values()) if (ch.app === app) return ch;
    return undefined;
  }

  private sendTo(app: string, command: string, onReply?: (r: TcloReply) => void): boolean {
    const ch = this.channelOf(app);
    return ch ? ch.enqueue(command, onReply) : false;
  }

  private dropChannel(ch: TcloChannel): void {
    if (this.channels.get(ch.channel) === ch) this.channels.delete(ch.channel);
    ch.abandon();
    if (ch.app && this.tools.appStopped(ch.app)) {
      if (ch.app === 'toolbox') this.power.onToolsStopped();
      this.emit('state', this.tools.snapshot());
    }
  }

  private checkHeartbeats(): void {
    if (this.paused) return;
    const now = this.now();
    for (const ch of [...this.channels.values()]) {
      if (now - ch.lastPollMs > this.opts.heartbeatTimeoutMs) this.dropChannel(ch);
    }
  }

  private periodicSync(): void {
    if (!this.opts.syncTime || this.paused) return;
    const ch = this.channelOf('toolbox');
    if (ch && !ch.has('Time_Synchronize')) ch.enqueue('Time_Synchronize 0');
  }

  private powerOp(op: PowerOp, timeoutMs: number): Promise<PowerOpResult> {
    const ch = this.channelOf('toolbox');
    if (!ch || this.tools.capability('statechange') === undefined) return Promise.resolve('unavailable');
    if (this.power.busy) return Promise.resolve('failed');
    const result = this.power.start(op, timeoutMs);
    ch.enqueue(POWER_OPS[op].command, (reply) => this.power.onReply(reply.ok));
    void result.then((r) => this.emit('powerOp', { op, result: r }));
    return result;
  }

  private guestSetOption(option: string, value: string): boolean {
    if (option !== 'synctime' || (value !== '0' && value !== '1')) return false;
    const on = value === '1';
    const changed = on !== this.opts.syncTime;
    this.opts.syncTime = on;
    this.sendTo('toolbox', `Set_Option synctime ${value}`);
    if (changed) this.emit('syncTime', on);
    return true;
  }

  // ---- resolution ------------------------------------------------------------------------

  private toolsChanged(): void {
    this.emit('state', this.tools.snapshot());
    if (this.viewport && !this.resizeTimer) this.flushViewport();
  }

  private flushViewport(): void {
    const v = this.viewport;
    const target = this.tools.resolutionTarget();
    if (!v || !target) return;
    const ch = this.channelOf(target.app);
    if (!ch) return;
    const command = target.topology ? `DisplayTopology_Set 1 , 0 0 ${v.w} ${v.h}` : `Resolution_Set ${v.w} ${v.h}`;
    if (command === this.sentViewport) return;
    if (ch.enqueue(command)) this.sentViewport = command;
  }
}
