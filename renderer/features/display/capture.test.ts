import { describe, expect, it } from 'vitest';
import { CTRL_ALT_DEL, ReleaseChord } from './capture';

function press(chord: ReleaseChord, events: string[]): boolean[] {
  // "+Code" is a key-down, "-Code" a key-up; returns what each key-up answered.
  return events.filter((e) => e.startsWith('-') || (chord.down(e.slice(1)), false)).map((e) => chord.up(e.slice(1)));
}

describe('ReleaseChord', () => {
  it('releases when Ctrl and Alt come up with nothing else pressed, in either order', () => {
    expect(press(new ReleaseChord(), ['+ControlLeft', '+AltLeft', '-AltLeft', '-ControlLeft'])).toEqual([true, false]);
    expect(press(new ReleaseChord(), ['+AltRight', '+ControlRight', '-ControlRight', '-AltRight'])).toEqual([true, false]);
  });

  it('lets Ctrl+Alt+Del and Ctrl+Alt+F2 through to the guest without releasing', () => {
    const c = new ReleaseChord();
    expect(press(c, ['+ControlLeft', '+AltLeft', '+Delete', '-Delete', '-AltLeft', '-ControlLeft'])).toEqual([false, false, false]);
    expect(press(c, ['+ControlLeft', '+AltLeft', '+F2', '-AltLeft', '-F2', '-ControlLeft'])).toEqual([false, false, false]);
  });

  it('is clean again once every key is up', () => {
    const c = new ReleaseChord();
    press(c, ['+ControlLeft', '+KeyC', '-KeyC', '-ControlLeft']);
    expect(press(c, ['+ControlLeft', '+AltLeft', '-ControlLeft'])).toEqual([true]);
  });

  it('does not fire on a lone modifier or on Ctrl with a letter', () => {
    expect(press(new ReleaseChord(), ['+ControlLeft', '-ControlLeft'])).toEqual([false]);
    expect(press(new ReleaseChord(), ['+AltLeft', '+Tab', '-Tab', '-AltLeft'])).toEqual([false, false]);
  });
});

describe('CTRL_ALT_DEL', () => {
  it('presses Ctrl, Alt, Del and lets them go in reverse order', () => {
    expect(CTRL_ALT_DEL.map((k) => `${k.down ? '+' : '-'}${k.code}`)).toEqual(['+ControlLeft', '+AltLeft', '+Delete', '-Delete', '-AltLeft', '-ControlLeft']);
  });
});
