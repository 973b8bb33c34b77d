import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { appMenuTemplate } from './appMenu';

const flat = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
  items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);

describe('application menu', () => {
  const calls: string[] = [];
  const actions = { openVmx: () => calls.push('open'), quit: () => calls.push('quit') };

  it('has no Reload or DevTools in a packaged app', () => {
    const roles = flat(appMenuTemplate(actions, { developer: false })).map((i) => i.role);
    expect(roles).not.toContain('reload');
    expect(roles).not.toContain('forceReload');
    expect(roles).not.toContain('toggleDevTools');
    // Quit goes through our question, never straight to app.quit (role "quit").
    expect(roles).not.toContain('quit');
  });

  it('adds Reload and DevTools for developers', () => {
    const roles = flat(appMenuTemplate(actions, { developer: true })).map((i) => i.role);
    expect(roles).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('File ▸ Open VM… and Quit call the app', () => {
    const items = flat(appMenuTemplate(actions, { developer: false }));
    items.find((i) => i.label === 'Open VM…')!.click!(undefined as never, undefined, undefined as never);
    items.find((i) => i.label === 'Quit Vireo')!.click!(undefined as never, undefined, undefined as never);
    expect(calls).toEqual(['open', 'quit']);
  });
});
