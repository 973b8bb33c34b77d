// The one place BrowserWindow options live (Electron's security checklist,
// https://www.electronjs.org/docs/latest/tutorial/security):
// sandboxed, context-isolated, no Node integration, CSP on every response, navigation
// and new windows denied, content only from app://vireo/.
import * as path from 'node:path';
import { BrowserWindow, session, shell } from 'electron';
import { APP_ORIGIN_URL } from './ipcGate';
import { RENDERER_CSP } from '../app/appScheme';
import { isAllowedExternalUrl } from './externalLinks';

const windows = new Set<number>();

/** webContents ids of the windows created here (ipcGate accepts only these). */
export function isOurContents(id: number): boolean {
  return windows.has(id);
}

/** Adds the CSP header to every response of the default session, once. */
export function installSessionPolicy(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  // The renderer needs no camera, notifications, etc. Clipboard goes through main.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

export function createMainWindow(iconPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Vireo',
    icon: iconPath,
    show: false,
    backgroundColor: '#0d1117',
    webPreferences: {
      preload: path.join(__dirname, '..', 'preload', 'preload.js'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  });
  const id = win.webContents.id;
  windows.add(id);
  win.on('closed', () => windows.delete(id));
  win.once('ready-to-show', () => win.show());

  // The app is one page: every navigation is refused; links on the allow-list open in the
  // user's browser (externalLinks.ts), all others nowhere.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());

  void win.loadURL(`${APP_ORIGIN_URL}index.html`);
  return win;
}
