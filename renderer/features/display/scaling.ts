// Where the guest screen goes on the page and how host pointer positions map back to guest
// pixels, for the three scaling modes Workstation's View menu offers: fit the window
// keeping the aspect ratio ("Autofit"/"Fit guest"), 1:1 (one guest pixel per device pixel,
// scrolled when larger than the window) and stretch (fill the window, aspect ignored).
export type ScaleMode = 'fit' | 'actual' | 'stretch';
export const SCALE_MODES: readonly { mode: ScaleMode; label: string }[] = [
  { mode: 'fit', label: 'Fit' },
  { mode: 'actual', label: '1:1' },
  { mode: 'stretch', label: 'Stretch' },
];

export interface Size {
  width: number;
  height: number;
}

/** Largest size with the guest's aspect ratio that fits the available box (CSS pixels). */
export function fitSize(guest: Size, avail: Size): Size {
  if (guest.width <= 0 || guest.height <= 0 || avail.width <= 0 || avail.height <= 0) return { width: 0, height: 0 };
  const scale = Math.min(avail.width / guest.width, avail.height / guest.height);
  return { width: Math.floor(guest.width * scale), height: Math.floor(guest.height * scale) };
}

/** The canvas's CSS size in a scaling mode; `dpr` is window.devicePixelRatio. */
export function displaySize(mode: ScaleMode, guest: Size, avail: Size, dpr: number): Size {
  if (guest.width <= 0 || guest.height <= 0) return { width: 0, height: 0 };
  switch (mode) {
    case 'fit':
      return fitSize(guest, avail);
    case 'actual':
      return { width: guest.width / dpr, height: guest.height / dpr };
    case 'stretch':
      return { width: Math.max(0, Math.floor(avail.width)), height: Math.max(0, Math.floor(avail.height)) };
  }
}

const clampTo = (v: number, max: number): number => Math.max(0, Math.min(max - 1, Math.floor(v)));

/** Maps a pointer position inside the displayed canvas to guest pixel coordinates. */
export function toGuestPoint(clientX: number, clientY: number, box: { left: number; top: number; width: number; height: number }, guest: Size): { x: number; y: number } {
  const fx = box.width > 0 ? (clientX - box.left) / box.width : 0;
  const fy = box.height > 0 ? (clientY - box.top) / box.height : 0;
  return { x: clampTo(fx * guest.width, guest.width), y: clampTo(fy * guest.height, guest.height) };
}

/**
 * Under pointer lock the browser reports only movement (CSS pixels); the guest still gets
 * an absolute position, moved by that much at the canvas's scale and kept on the screen.
 */
export function movedGuestPoint(at: { x: number; y: number }, movementX: number, movementY: number, box: Size, guest: Size): { x: number; y: number } {
  const sx = box.width > 0 ? guest.width / box.width : 1;
  const sy = box.height > 0 ? guest.height / box.height : 1;
  return { x: clampTo(at.x + movementX * sx, guest.width), y: clampTo(at.y + movementY * sy, guest.height) };
}
