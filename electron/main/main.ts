// Electron main: app lifecycle only (whenReady → app:// scheme → library and VM runner →
// IPC gate → tray → window). Main never loads native code: each running VM has its own
// VM host utility process (vmHostStarter.ts), and windows talk to it over MessagePorts.
import * as path from 'node:path';
import { app, BrowserWindow, clipboard, dialog, ipcMain, MessageChannelMain, protocol } from 'electron';
import type { HostCapabilities, PowerOp } from '../common/protocol';
import { APP_CHANNELS, type AppEvent } from './appProtocol';
import { AppService } from './appService';
import { serveStatic } from './appScheme';
import { APP_HOST, APP_SCHEME, IpcGate } from './ipcGate';
import { VmLibrary } from './library';
import { VireoTray } from './tray';
import { quitQuestion } from './trayMenu';
import { forkVmHost, type ElectronHostHandle } from './vmHostStarter';
import { probeCapabilities, VmRunner } from './vmRunner';
import { vmxPathsFromArgv } from '../vmfiles/vmxImport';
import { createMainWindow, installSessionPolicy, isOurContents } from './window';

// Must happen before 'ready': app:// behaves like https (standard, secure origin).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const pendingVmx: string[] = [];
let onVmx: ((paths: string[]) => void) | null = null;
function openVmx(paths: string[]): void {
  if (paths.length === 0) return;
  if (onVmx) onVmx(paths);
  else pendingVmx.push(...paths);
}

if (!app.requestSingleInstanceLock()) {
  // Another Vireo runs: it receives our argv through 'second-instance'.
  app.quit();
} else {
  openVmx(vmxPathsFromArgv(process.argv.slice(1), process.cwd()));
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const paths = vmxPathsFromArgv(argv.slice(1), workingDirectory);
    if (paths.length) openVmx(paths);
    else showWindow();
  });
  // macOS delivers double-clicked files this way (Linux uses argv / second-instance).
  app.on('open-file', (event, file) => {
    event.preventDefault();
    openVmx([file]);
  });
  app.whenReady().then(startApp, (err: unknown) => {
    console.error(err);
    app.exit(1);
  });
}

let mainWindow: BrowserWindow | null = null;
let showWindow: (vmId?: string) => void = () => undefined;

function startApp(): void {
  const rendererRoot = path.join(__dirname, '..', '..', 'renderer');
  const guestsDir = app.isPackaged ? path.join(process.resourcesPath, 'guests') : path.join(app.getAppPath(), 'native', 'guests', 'build');
  const iconPath = path.join(app.getAppPath(), 'assets', 'icon.png');
  const trayIconPath = path.join(app.getAppPath(), 'assets', 'tray.png');

  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    const r = url.host === APP_HOST ? serveStatic(rendererRoot, url.pathname) : { status: 404, headers: {}, body: 'not found' };
    return new Response(r.body as ConstructorParameters<typeof Response>[0], { status: r.status, headers: r.headers });
  });
  installSessionPolicy();

  const library = new VmLibrary(path.join(app.getPath('userData'), 'library.json'), guestsDir);
  const runner = new VmRunner<ElectronHostHandle>(forkVmHost, () => publish());
  let capabilities: Promise<HostCapabilities> | undefined;
  const service = new AppService({
    library,
    runner,
    capabilities: () => (capabilities ??= probeCapabilities(forkVmHost).catch((err: unknown) => {
      capabilities = undefined;
      throw err;
    })),
    clipboard: { read: () => clipboard.readText(), write: (text) => clipboard.writeText(text) },
  });

  const broadcast = (event: AppEvent): void => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(APP_CHANNELS.event, event);
  };
  function publish(): void {
    const snapshot = service.snapshot();
    tray.update(snapshot);
    broadcast({ kind: 'library', snapshot });
  }

  // A direct line between a window and a VM: main creates the channel, gives one end to the
  // VM host and the other to that window, and is out of the data path from then on.
  const connectWindow = (sender: Electron.WebContents, id: string): void => {
    const host = runner.host(id);
    if (!host) throw new Error('that VM is not running');
    const { port1, port2 } = new MessageChannelMain();
    host.attach(port1);
    sender.postMessage(APP_CHANNELS.vmPort, { id }, [port2]);
  };

  const gate = new IpcGate(ipcMain, isOurContents);
  gate.handle(APP_CHANNELS.request, async (event, req) => {
    const reply = await service.handle(req);
    const r = req as { kind?: string; id?: unknown };
    if (r.kind === 'library-save' || r.kind === 'library-remove' || r.kind === 'vmx-save') publish();
    // The window that starts a VM is attached before the host gets `start` (which main
    // sends on the host's hello), so it sees the guest's first byte; a guest can finish
    // in milliseconds.
    if (r.kind === 'vm-start') connectWindow(event.sender, String(r.id));
    return reply;
  });
  gate.handle(APP_CHANNELS.connectVm, (event, id) => connectWindow(event.sender, String(id)));

  showWindow = (vmId?: string): void => {
    if (!mainWindow || mainWindow.isDestroyed()) {
      mainWindow = createMainWindow(iconPath);
      mainWindow.on('closed', () => (mainWindow = null));
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
    if (vmId) {
      const target = mainWindow;
      const send = (): void => target.webContents.send(APP_CHANNELS.event, { kind: 'show-vm', id: vmId } satisfies AppEvent);
      if (target.webContents.isLoading()) target.webContents.once('did-finish-load', send);
      else send();
    }
  };

  let quitting = false;
  const quit = async (): Promise<void> => {
    const question = quitQuestion(library.list(), runner.snapshot());
    if (question) {
      const { response } = await dialog.showMessageBox({
        type: 'warning',
        buttons: ['Power off and quit', 'Cancel'],
        defaultId: 1,
        cancelId: 1,
        message: 'Quit Vireo?',
        detail: question,
      });
      if (response !== 0) return;
    }
    quitting = true;
    await runner.stopAll();
    app.quit();
  };
  const power = (id: string, op: PowerOp): void => runner.power(id, op);
  const tray = new VireoTray(trayIconPath, {
    start: (id) => {
      const entry = library.get(id);
      if (!entry) return;
      runner.start(entry);
      library.started(id);
    },
    power,
    show: (id) => showWindow(id),
    quit: () => void quit(),
  });

  onVmx = (paths) => {
    const { opened, errors } = service.openVmxFiles(paths);
    publish();
    for (const e of errors) dialog.showErrorBox('Cannot open VM', e);
    showWindow(opened[opened.length - 1]?.id);
  };

  // Running VMs outlive their windows; with nothing running, closing the window quits.
  app.on('window-all-closed', () => {
    if (runner.liveCount() === 0) app.quit();
  });
  // Quit from elsewhere (session end, Ctrl+Q): VMs are powered off before the app exits.
  app.on('before-quit', (event) => {
    if (quitting || runner.liveCount() === 0) return;
    event.preventDefault();
    quitting = true;
    void runner.stopAll().then(() => app.quit());
  });

  // Test seam for e2e/electron (Playwright cannot read a tray menu): set only when the
  // suite launches the app with VIREO_TEST_HOOKS=1.
  if (process.env.VIREO_TEST_HOOKS === '1') {
    (globalThis as Record<string, unknown>).__vireoTest = { trayLabels: () => tray.menuLabels(), liveVms: () => runner.liveCount() };
  }

  publish();
  showWindow();
  if (pendingVmx.length) onVmx(pendingVmx.splice(0));
}
