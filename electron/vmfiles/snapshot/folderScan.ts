// Last check before a delta file is deleted: does any other .vmdk beside it name it as its
// parent? (A clone or a VMware chain Vireo's index does not know about.) Each candidate's
// descriptor is read, embedded or not; files that are not readable VMDKs cannot be a
// working child and are passed over.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MAX_DESCRIPTOR_BYTES, looksLikeDescriptor } from '../vmdk/descriptor';
import { SECTOR, SPARSE_MAGIC, parseSparseHeader } from '../vmdk/sparseHeader';

/** Real paths of the .vmdk files in `real`'s folder whose parentFileNameHint resolves to `real`. */
export function filesNamingAsParent(real: string): string[] {
  const dir = path.dirname(real);
  const out: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/\.vmdk$/i.test(name)) continue;
    const file = path.join(dir, name);
    if (file === real) continue;
    const hint = parentHintOf(file);
    if (hint === undefined) continue;
    // As the reader does (vmdk/open.ts), a Windows path also names the file beside it.
    const candidates = [path.resolve(dir, hint), ...(hint.includes('\\') ? [path.join(dir, hint.split('\\').pop()!)] : [])];
    if (candidates.some((c) => realOrNull(c) === real)) out.push(file);
  }
  return out;
}

function realOrNull(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

function parentHintOf(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const head = Buffer.alloc(Math.min(SECTOR, st.size));
    fs.readSync(fd, head, 0, head.length, 0);
    let text: Buffer;
    if (head.length >= 4 && head.readUInt32LE(0) === SPARSE_MAGIC) {
      const h = parseSparseHeader(head, file, st.size);
      text = Buffer.alloc(h.descriptorSize * SECTOR);
      fs.readSync(fd, text, 0, text.length, h.descriptorOffset * SECTOR);
    } else if (looksLikeDescriptor(head) && st.size <= MAX_DESCRIPTOR_BYTES) {
      text = Buffer.alloc(st.size);
      fs.readSync(fd, text, 0, text.length, 0);
    } else {
      return undefined;
    }
    const m = /^[ \t]*parentFileNameHint[ \t]*=[ \t]*"([^"\r\n]*)"/im.exec(text.toString('utf8').replace(/\0[\s\S]*$/, ''));
    return m?.[1] || undefined;
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
