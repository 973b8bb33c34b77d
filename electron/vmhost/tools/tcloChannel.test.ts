import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { PowerOpTracker } from './powerOps';
import { MAX_QUEUED_COMMANDS, TcloChannel } from './tcloChannel';

describe('TcloChannel', () => {
  it('hands out one command per poll and routes the next message as its reply', () => {
    const ch = new TcloChannel(3, 7, 0);
    const replies: string[] = [];
    ch.enqueue('reset', (r) => replies.push(`${r.ok}:${r.text}`));
    ch.enqueue('ping');
    expect(ch.poll(null, 1)).toBe('reset');
    expect(ch.busy).toBe(true);
    expect(ch.poll({ ok: true, text: 'ATR toolbox' }, 2)).toBe('ping');
    expect(replies).toEqual(['true:ATR toolbox']);
    expect(ch.poll({ ok: true, text: '' }, 3)).toBe('');
    expect(ch.poll(null, 4)).toBe('');
    expect(ch.lastPollMs).toBe(4);
  });

  it('bounds the queue and fails everything when abandoned', () => {
    const ch = new TcloChannel(0, 1, 0);
    let failed = 0;
    for (let i = 0; i < MAX_QUEUED_COMMANDS; i++) expect(ch.enqueue(`c${i}`, (r) => (failed += r.ok ? 0 : 1))).toBe(true);
    expect(ch.enqueue('overflow')).toBe(false);
    expect(ch.has('c5')).toBe(true);
    ch.poll(null, 0);
    ch.abandon();
    expect(failed).toBe(MAX_QUEUED_COMMANDS);
    expect(ch.poll(null, 1)).toBe('');
  });
});

describe('PowerOpTracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('succeeds on status 1 then OK, in either order', async () => {
    const p = new PowerOpTracker(globalThis);
    const a = p.start('halt', 1000);
    expect(p.onStatus('1 1')).toBe(true);
    p.onReply(true);
    await expect(a).resolves.toBe('ok');
    const b = p.start('reboot', 1000);
    p.onReply(true);  // a script runs: status comes later
    p.onStatus('1 2');
    await expect(b).resolves.toBe('ok');
  });

  it('fails on status 0, an ERROR reply, or a second request; times out', async () => {
    const p = new PowerOpTracker(globalThis);
    const a = p.start('halt', 1000);
    await expect(p.start('reboot', 1000)).resolves.toBe('failed');
    p.onStatus('0 1');
    await expect(a).resolves.toBe('failed');
    const b = p.start('halt', 1000);
    p.onReply(false);
    await expect(b).resolves.toBe('failed');
    const c = p.start('halt', 1000);
    p.onStatus('1 2');  // another operation's id: ignored
    vi.advanceTimersByTime(1000);
    await expect(c).resolves.toBe('timeout');
    expect(p.onStatus('garbage')).toBe(false);
  });
});
