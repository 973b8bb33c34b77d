import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, WireError } from './wireCodec';

describe('wireCodec', () => {
  it('round-trips structure with byte arrays kept as bytes', () => {
    const msg = { t: 'vm', id: 'a', event: { kind: 'frame', rects: [{ x: 1, rgba: new Uint8Array([1, 2, 3]) }, { x: 2, rgba: new Uint8Array(0) }] } };
    const back = decodeMessage(encodeMessage(msg)) as typeof msg;
    expect(back.event.rects[0]!.rgba).toBeInstanceOf(Uint8Array);
    expect(Array.from(back.event.rects[0]!.rgba)).toEqual([1, 2, 3]);
    expect(back.event.rects[1]!.rgba.length).toBe(0);
    expect(back.event.rects[1]!.x).toBe(2);
  });

  it('sends a Node Buffer as bytes, not as {type:"Buffer"}', () => {
    const back = decodeMessage(encodeMessage({ data: Buffer.from('hi') })) as { data: Uint8Array };
    expect(new TextDecoder().decode(back.data)).toBe('hi');
  });

  it('rejects truncated, padded and dangling messages', () => {
    const good = encodeMessage({ data: new Uint8Array([9, 9]) });
    expect(() => decodeMessage(good.subarray(0, good.length - 1))).toThrow(WireError);
    const padded = new Uint8Array(good.length + 1);
    padded.set(good);
    expect(() => decodeMessage(padded)).toThrow(WireError);
    expect(() => decodeMessage(encodeMessage({ x: { $bin: 0 } }))).toThrow(WireError);
    expect(() => decodeMessage(new Uint8Array([255, 255, 255, 255]))).toThrow(WireError);
  });
});
