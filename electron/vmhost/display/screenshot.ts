// `--screenshot FILE`: writes the current frame as PNG, atomically (temporary file in the
// same directory, then rename), so a reader never sees a half-written image.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { encodePng, type Frame } from './png';

export async function writeScreenshot(file: string, frame: Frame): Promise<void> {
  const png = encodePng(frame);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fs.promises.writeFile(tmp, png);
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
