// The tray icon: every library VM with its state and power actions (trayMenu.ts), so VMs
// keep running and stay reachable after the last window closes.
import { Menu, Tray, nativeImage } from 'electron';
import type { LibrarySnapshot } from '../common/appProtocol';
import { buildTrayMenu, trayTooltip, type TrayActions } from './trayMenu';

export class VireoTray {
  private readonly tray: Tray;
  private labels: string[] = [];

  constructor(iconPath: string, private readonly actions: TrayActions) {
    this.tray = new Tray(nativeImage.createFromPath(iconPath));
    this.tray.on('click', () => actions.show());
  }

  update(snapshot: LibrarySnapshot): void {
    this.tray.setToolTip(trayTooltip(snapshot.running));
    const template = buildTrayMenu(snapshot.entries, snapshot.running, this.actions);
    this.labels = template.flatMap((item) => (item.label ? [item.label] : []));
    this.tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  /** Top-level menu labels as last set (read by the Electron e2e suite). */
  menuLabels(): string[] {
    return [...this.labels];
  }

  destroy(): void {
    this.tray.destroy();
  }
}
