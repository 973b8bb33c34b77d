import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { buildTrayMenu, trayTooltip } from './trayMenu';
import { NO_NESTED, type LibraryEntry } from '../common/appProtocol';

const entry = (id: string, name: string): LibraryEntry => ({ id, origin: 'user', nested: NO_NESTED, config: { name, memoryMiB: 16, cpus: 1, firmware: 'none', kernel: '/k' } });
const entries = [entry('a', 'Alpha'), entry('b', 'Beta')];

describe('tray menu', () => {
  it('lists every VM with its state and the actions that fit it', () => {
    const calls: string[] = [];
    const menu = buildTrayMenu(entries, [{ id: 'a', state: 'running' }], {
      start: (id) => calls.push(`start ${id}`),
      power: (id, op) => calls.push(`${op} ${id}`),
      show: (id) => calls.push(`show ${id ?? ''}`),
      quit: () => calls.push('quit'),
    });
    const alpha = menu.find((m) => m.id === 'vm-a')!;
    const beta = menu.find((m) => m.id === 'vm-b')!;
    expect(alpha.label).toBe('Alpha — running');
    expect(beta.label).toBe('Beta — powered off');
    const item = (m: MenuItemConstructorOptions, label: string) => (m.submenu as MenuItemConstructorOptions[]).find((i) => i.label === label)!;
    expect(item(alpha, 'Start').enabled).toBe(false);
    expect(item(beta, 'Power off').enabled).toBe(false);
    item(alpha, 'Pause').click!(undefined as never, undefined, undefined as never);
    item(beta, 'Start').click!(undefined as never, undefined, undefined as never);
    item(alpha, 'Show').click!(undefined as never, undefined, undefined as never);
    expect(calls).toEqual(['pause a', 'start b', 'show a']);
  });

  it('says in the tooltip how many VMs run', () => {
    expect(trayTooltip([{ id: 'a', state: 'running' }])).toBe('Vireo: 1 VM running');
  });
});
