// Electron main: app lifecycle only (whenReady → app:// scheme → library and VM runner →
// IPC gate → tray → window). Main never loads native code: each running VM has its own
// VM host utility process (vmHostStarter.ts), and windows talk to it over MessagePorts.
import * as path from 'node:path';
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, MessageChannelMain, Notification, protocol } from 'electron';
import type { HostCapabilities, PowerOp } from '../common/protocol';
import { appMenuTemplate } from './appMenu';
import { APP_CHANNELS, type AppEvent } from '../common/appProtocol';
import { AppService } from '../app/appService';
import { serveStatic } from '../app/appScheme';
import { APP_HOST, APP_SCHEME, IpcGate } from './ipcGate';
import { AppLibrary } from '../app/appLibrary';
import { VireoTray } from './tray';
import { quitDialog } from './quitDialog';
import { startUtilityHost, type ElectronHostHandle } from './vmHostStarter';
import { probeCapabilities, VmRunner } from '../app/vmRunner';
import { vmxPathsFromArgv } from '../app/vmxArgs';
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

  const library = new AppLibrary(path.join(app.getPath('userData'), 'library.json'), guestsDir);
  const runner = new VmRunner<ElectronHostHandle>(startUtilityHost, () => publish());
  let capabilities: Promise<HostCapabilities> | undefined;
  const service = new AppService({
    library,
    runner,
    capabilities: () => (capabilities ??= probeCapabilities(startUtilityHost).catch((err: unknown) => {
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
    if (quitWhenStopped && runner.liveCount() === 0) {
      quitting = true;
      app.quit();
    }
  }
  // Running VMs outlive their windows: say so once a window closes on them.
  const notifyBackground = (): void => {
    const n = runner.liveCount();
    if (n === 0 || quitting || !Notification.isSupported()) return;
    new Notification({ title: 'Vireo is still running', body: `${n} VM${n === 1 ? ' keeps' : 's keep'} running; the Vireo tray icon shows ${n === 1 ? 'it' : 'them'}.` }).show();
  };

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
      mainWindow.on('closed', () => {
        mainWindow = null;
        notifyBackground();
      });
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
  let quitWhenStopped = false;
  const closeWindows = (): void => BrowserWindow.getAllWindows().forEach((w) => w.close());
  const quit = async (): Promise<void> => {
    const question = quitDialog(library.list(), runner.snapshot());
    const choice = question
      ? question.choices[(await dialog.showMessageBox({ type: 'question', title: 'Quit Vireo', ...question })).response]
      : 'poweroff';
    switch (choice) {
      case 'background':
        closeWindows();
        return;
      case 'shutdown':
        // publish() quits once the last VM has stopped; the tray shows the rest meanwhile.
        quitWhenStopped = true;
        for (const r of runner.snapshot()) if (r.state === 'running' || r.state === 'paused') runner.power(r.id, 'soft-shutdown');
        closeWindows();
        return;
      case 'poweroff':
        quitting = true;
        await runner.stopAll();
        app.quit();
        return;
      default:
        return;
    }
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

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate(
        {
          openVmx: () =>
            void dialog
              .showOpenDialog({ title: 'Open a VMware VM', properties: ['openFile', 'multiSelections'], filters: [{ name: 'VMware VM configuration', extensions: ['vmx'] }] })
              .then((r) => !r.canceled && onVmx?.(r.filePaths)),
          quit: () => void quit(),
        },
        { developer: !app.isPackaged },
      ),
    ),
  );

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
  // Quit from elsewhere (the desktop session ending, a signal): there is no one to ask, so
  // VMs are powered off before the app exits.
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
