import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

import { decodePng } from './png';
import { writeScreenshot } from './screenshot';

describe('writeScreenshot', () => {
  it('writes a decodable PNG and leaves no temporary file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-shot-'));
    const file = path.join(dir, 'screen.png');
    await writeScreenshot(file, { width: 2, height: 1, layout: 'bgrx', data: Uint8Array.from([255, 0, 0, 0, 0, 0, 255, 0]) });
    const d = decodePng(fs.readFileSync(file));
    expect([...d.rgba]).toEqual([0, 0, 255, 255, 255, 0, 0, 255]);
    expect(fs.readdirSync(dir)).toEqual(['screen.png']);
    await expect(writeScreenshot(path.join(dir, 'missing', 'x.png'), { width: 1, height: 1, layout: 'rgba', data: new Uint8Array(4) })).rejects.toThrow();
    fs.rmSync(dir, { recursive: true });
  });
});
