import { describe, expect, it } from 'vitest';
import { isReleaseChord } from './capture';

describe('isReleaseChord', () => {
  it('fires on the second of Ctrl and Alt, in either order', () => {
    expect(isReleaseChord({ code: 'AltLeft', ctrlKey: true, altKey: true })).toBe(true);
    expect(isReleaseChord({ code: 'ControlRight', ctrlKey: true, altKey: true })).toBe(true);
  });
  it('lets other keys and lone modifiers through to the guest', () => {
    expect(isReleaseChord({ code: 'ControlLeft', ctrlKey: true, altKey: false })).toBe(false);
    expect(isReleaseChord({ code: 'Delete', ctrlKey: true, altKey: true })).toBe(false);
  });
});
