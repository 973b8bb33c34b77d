import { describe, expect, it } from 'vitest';

import { set2Code } from './keymap';

describe('DOM code -> PS/2 set 2', () => {
  it('maps plain and extended keys', () => {
    expect(set2Code('KeyA')).toBe(0x1c);
    expect(set2Code('Enter')).toBe(0x5a);
    expect(set2Code('ArrowRight')).toBe(0xe074);
    expect(set2Code('ControlRight')).toBe(0xe014);
  });
  it('has no entry for keys without a PS/2 code', () => {
    expect(set2Code('Fn')).toBeUndefined();
    expect(set2Code('toString')).toBeUndefined();
  });
});
