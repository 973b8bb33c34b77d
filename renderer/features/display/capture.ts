// The key chord that gives keyboard and mouse back to the host (VMware Workstation uses
// Ctrl+Alt as well). It fires when the second of the two modifiers goes down.
export const RELEASE_KEYS_LABEL = 'Ctrl+Alt';

export function isReleaseChord(e: { code: string; ctrlKey: boolean; altKey: boolean }): boolean {
  const ctrl = e.code === 'ControlLeft' || e.code === 'ControlRight';
  const alt = e.code === 'AltLeft' || e.code === 'AltRight';
  return (ctrl && e.altKey) || (alt && e.ctrlKey);
}
