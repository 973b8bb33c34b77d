// The tray icon: every library VM with its state and power actions (trayMenu.ts), so VMs
// keep running and stay reachable after the last window closes.
import { Menu, Tray, nativeImage } from 'electron';
import type { LibrarySnapshot } from './appProtocol';
import { buildTrayMenu, trayTooltip, type TrayActions } from './trayMenu';

export class VireoTray {
  private readonly tray: Tray;

  constructor(iconPath: string, private readonly actions: TrayActions) {
    this.tray = new Tray(nativeImage.createFromPath(iconPath));
    this.tray.on('click', () => actions.show());
  }

  update(snapshot: LibrarySnapshot): void {
    this.tray.setToolTip(trayTooltip(snapshot.running));
    this.tray.setContextMenu(Menu.buildFromTemplate(buildTrayMenu(snapshot.entries, snapshot.running, this.actions)));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
