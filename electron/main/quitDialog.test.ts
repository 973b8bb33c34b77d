import { describe, expect, it } from 'vitest';
import { NO_NESTED, type LibraryEntry } from '../common/appProtocol';
import { quitDialog } from './quitDialog';

const entry = (id: string, name: string): LibraryEntry => ({ id, origin: 'user', nested: NO_NESTED, config: { name, memoryMiB: 16, cpus: 1, firmware: 'none', kernel: '/k' } });
const entries = [entry('a', 'Alpha'), entry('b', 'Beta')];

describe('quit dialog', () => {
  it('asks nothing when no VM runs', () => {
    expect(quitDialog(entries, [])).toBeNull();
    expect(quitDialog(entries, [{ id: 'a', state: 'stopped' }])).toBeNull();
  });

  it('names the running VMs and offers background, shut down, power off and cancel', () => {
    const d = quitDialog(entries, [{ id: 'a', state: 'running' }, { id: 'b', state: 'paused' }])!;
    expect(d.message).toBe('2 VMs are running.');
    expect(d.detail).toMatch(/^Running: Alpha, Beta\./);
    expect(d.buttons).toHaveLength(d.choices.length);
    expect(d.choices).toEqual(['background', 'shutdown', 'poweroff', 'cancel']);
    expect(d.choices[d.cancelId]).toBe('cancel');
    // The safe answer is the default: nothing is lost by Enter.
    expect(d.choices[d.defaultId]).toBe('background');
  });

  it('falls back to the id of a VM no longer in the library', () => {
    expect(quitDialog(entries, [{ id: 'gone', state: 'running' }])!.message).toBe('gone is running.');
  });
});
