// The key chord that gives keyboard and mouse back to the host. VMware Workstation uses
// Ctrl+Alt and releases when they come up with nothing else pressed in between, so
// Ctrl+Alt+Del, Ctrl+Alt+F1 and the like still reach the guest: the chord is "spoiled" by
// any other key and only a clean Ctrl+Alt press-and-release counts.
export const RELEASE_KEYS_LABEL = 'Ctrl+Alt';

const isCtrl = (code: string): boolean => code === 'ControlLeft' || code === 'ControlRight';
const isAlt = (code: string): boolean => code === 'AltLeft' || code === 'AltRight';

export class ReleaseChord {
  private readonly held = new Set<string>();
  private spoiled = false;

  down(code: string): void {
    this.held.add(code);
    if (!isCtrl(code) && !isAlt(code)) this.spoiled = true;
  }

  /** Returns true when this key-up completes a clean Ctrl+Alt chord: release the capture. */
  up(code: string): boolean {
    const keys = [...this.held];
    const chord = !this.spoiled && keys.some(isCtrl) && keys.some(isAlt);
    this.held.delete(code);
    if (this.held.size === 0) this.spoiled = false;
    if (chord) this.reset();
    return chord;
  }

  reset(): void {
    this.held.clear();
    this.spoiled = false;
  }
}

/** What "Send Ctrl+Alt+Del" types into the guest, in order (KeyboardEvent.code values). */
export const CTRL_ALT_DEL: readonly { code: string; down: boolean }[] = [
  { code: 'ControlLeft', down: true },
  { code: 'AltLeft', down: true },
  { code: 'Delete', down: true },
  { code: 'Delete', down: false },
  { code: 'AltLeft', down: false },
  { code: 'ControlLeft', down: false },
];
