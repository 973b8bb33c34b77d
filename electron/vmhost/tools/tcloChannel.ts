// One TCLO channel (host -> guest commands) as open-vm-tools rpcin.c drives it
// (docs/vmware-backdoor.md §5.2): the guest polls by sending a message — empty, or its reply to the
// command delivered last — and the host answers with the next command or nothing. At most one
// command is outstanding; the rest wait in a bounded queue.
import type { TcloReply } from './rpcText';

export const MAX_QUEUED_COMMANDS = 64;

export type ReplyHandler = (reply: TcloReply) => void;

interface Command {
  text: string;
  onReply?: ReplyHandler;
}

export class TcloChannel {
  /** Application name from "OK ATR <app>" ("toolbox", "toolbox-dnd", ...). */
  app?: string;
  lastPollMs: number;
  private readonly queue: Command[] = [];
  private outstanding?: Command;

  constructor(
    readonly channel: number,
    readonly session: number,
    nowMs: number,
  ) {
    this.lastPollMs = nowMs;
  }

  /** Queues a command; false when the queue is full (the command is not sent). */
  enqueue(text: string, onReply?: ReplyHandler): boolean {
    if (this.queue.length >= MAX_QUEUED_COMMANDS) return false;
    this.queue.push({ text, onReply });
    return true;
  }

  /** True if a command with this first word is queued or outstanding. */
  has(command: string): boolean {
    const match = (c: Command) => c.text === command || c.text.startsWith(command + ' ');
    return (this.outstanding !== undefined && match(this.outstanding)) || this.queue.some(match);
  }

  get busy(): boolean {
    return this.outstanding !== undefined;
  }

  /**
   * One guest poll. `reply` is the guest's message (null when empty). A message while a
   * command is outstanding is its reply (an empty one counts as a failed reply). Returns
   * the next command, or '' when there is nothing to do.
   */
  poll(reply: TcloReply | null, nowMs: number): string {
    this.lastPollMs = nowMs;
    const done = this.outstanding;
    this.outstanding = undefined;
    if (done) done.onReply?.(reply ?? { ok: false, text: '' });
    const next = this.queue.shift();
    if (!next) return '';
    this.outstanding = next;
    return next.text;
  }

  /** Fails the outstanding and queued commands (channel closed or tools stopped). */
  abandon(): void {
    const all = this.outstanding ? [this.outstanding, ...this.queue] : [...this.queue];
    this.outstanding = undefined;
    this.queue.length = 0;
    for (const c of all) c.onReply?.({ ok: false, text: 'channel closed' });
  }
}
