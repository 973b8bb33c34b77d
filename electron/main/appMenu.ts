// Vireo's own application menu (Electron's default one has Reload and Toggle Developer
// Tools, which must not reach users: they are added only when the app is not packaged).
// Built from plain values so it is tested without Electron; main.ts installs it.
import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuActions {
  /** File ▸ Open VM…: the native file dialog for .vmx files. */
  openVmx(): void;
  /** File ▸ Quit: asks what to do with running VMs (quitDialog.ts). */
  quit(): void;
}

export function appMenuTemplate(a: AppMenuActions, opts: { developer: boolean }): MenuItemConstructorOptions[] {
  const developer: MenuItemConstructorOptions[] = opts.developer ? [{ type: 'separator' }, { role: 'reload' }, { role: 'toggleDevTools' }] : [];
  return [
    {
      label: 'File',
      submenu: [
        { label: 'Open VM…', accelerator: 'CmdOrCtrl+O', click: () => a.openVmx() },
        { type: 'separator' },
        { role: 'close', label: 'Close Window' },
        { label: 'Quit Vireo', accelerator: 'CmdOrCtrl+Q', click: () => a.quit() },
      ],
    },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: [{ role: 'togglefullscreen' }, { type: 'separator' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'resetZoom' }, ...developer] },
    { label: 'Help', submenu: [{ role: 'about', label: 'About Vireo' }] },
  ];
}
