import { describe, expect, it } from 'vitest';
import { GT_CACHE_LIMIT, GtCache } from './gtCache';

describe('GtCache', () => {
  it('keeps at most GT_CACHE_LIMIT tables across owners, dropping the least recently used', () => {
    const c = new GtCache();
    const a = c.newOwner();
    const b = c.newOwner();
    for (let i = 0; i < GT_CACHE_LIMIT; i++) c.set(i % 2 ? a : b, i, new Uint32Array(1));
    expect(c.get(b, 0)).toBeDefined(); // touch: now most recent
    c.set(a, 999_999, new Uint32Array(1)); // evicts the oldest, which is a:1 (b:0 was touched)
    expect(c.get(a, 1)).toBeUndefined();
    expect(c.get(b, 0)).toBeDefined();
    c.drop(a);
    expect(c.get(a, 999_999)).toBeUndefined();
    expect(c.get(b, 2)).toBeDefined();
  });
});
