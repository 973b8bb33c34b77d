// Soft power operations over TCLO (docs/vmware-backdoor.md §5.4; open-vm-tools
// services/plugins/powerOps/powerOps.c, lib/include/vmware/guestrpc/powerops.h). The guest runs
// its script, sends RPCI `tools.os.statechange.status <0|1> <id>` (before its TCLO reply when there
// is no script), replies "OK " on TCLO, and then halts or reboots on its own.

/** TCLO command and statechange id per operation. */
export const POWER_OPS = {
  halt: { command: 'OS_Halt', id: 1 },
  reboot: { command: 'OS_Reboot', id: 2 },
  powerOn: { command: 'OS_PowerOn', id: 3 },
  resume: { command: 'OS_Resume', id: 4 },
  suspend: { command: 'OS_Suspend', id: 5 },
} as const;

export type PowerOp = keyof typeof POWER_OPS;

/**
 * ok: the guest reported success; failed: it reported failure or refused ("ERROR State
 * change already in progress"); timeout: no answer in time (fall back to ACPI / hard
 * power-off); unavailable: tools are not running.
 */
export type PowerOpResult = 'ok' | 'failed' | 'timeout' | 'unavailable';

interface Pending {
  op: PowerOp;
  resolve: (r: PowerOpResult) => void;
  timer: ReturnType<typeof setTimeout>;
  status?: boolean;
  replied?: boolean;
}

export class PowerOpTracker {
  private pending?: Pending;

  constructor(private readonly timers: Pick<typeof globalThis, 'setTimeout' | 'clearTimeout'>) {}

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Starts tracking `op`; the promise settles once. Only one operation at a time. */
  start(op: PowerOp, timeoutMs: number): Promise<PowerOpResult> {
    if (this.pending) return Promise.resolve('failed');
    return new Promise((resolve) => {
      const timer = this.timers.setTimeout(() => this.finish('timeout'), timeoutMs);
      this.pending = { op, resolve, timer };
    });
  }

  /** RPCI `tools.os.statechange.status <ok> <id>` (args after the command). */
  onStatus(args: string): boolean {
    const m = /^\s*([01])\s+(\d+)\s*$/.exec(args);
    if (!m) return false;
    const p = this.pending;
    if (p && POWER_OPS[p.op].id === Number(m[2])) {
      p.status = m[1] === '1';
      if (!p.status) this.finish('failed');
      else if (p.replied) this.finish('ok');
    }
    return true;
  }

  /** The guest's TCLO reply to the power command. */
  onReply(ok: boolean): void {
    const p = this.pending;
    if (!p) return;
    p.replied = true;
    if (!ok) this.finish('failed');
    // Without a script the status RPCI came first; with a script it follows the reply.
    else if (p.status === true) this.finish('ok');
  }

  /** Tools went away while waiting: a halt or reboot in progress looks exactly like this. */
  onToolsStopped(): void {
    const p = this.pending;
    if (p && p.status === true) this.finish('ok');
    else if (p) this.finish('failed');
  }

  private finish(result: PowerOpResult): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.timers.clearTimeout(p.timer);
    p.resolve(result);
  }
}
