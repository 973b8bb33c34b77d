// Typed reads and minimal writes of single .vmx values. A write happens only when the
// typed value changes, so hand-written spellings ("true", "yes") survive a save.
import { VmxDocument } from './vmx';
import { VmxError, quoteForMessage } from './vmxError';

export function parseBool(doc: VmxDocument, key: string): boolean | undefined {
  const v = doc.get(key);
  if (v === undefined) return undefined;
  const l = v.trim().toLowerCase();
  if (l === 'true' || l === 'yes' || l === '1') return true;
  if (l === 'false' || l === 'no' || l === '0') return false;
  throw badValue(doc, key, `expected TRUE or FALSE, got ${quoteForMessage(v)}`);
}

export function parseInt32(doc: VmxDocument, key: string, min: number, max: number): number | undefined {
  const v = doc.get(key);
  if (v === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(v)) throw badValue(doc, key, `expected a whole number, got ${quoteForMessage(v)}`);
  const n = Number(v);
  if (n < min || n > max) throw badValue(doc, key, `${n} is outside ${min}..${max}`);
  return n;
}

export function badValue(doc: VmxDocument, key: string, why: string): VmxError {
  return new VmxError('bad-value', `${key}: ${why}`, { file: doc.file, line: doc.lineOf(key), key });
}

/** Booleans: an absent key reads as `dflt`; we only write when the effective value changes. */
export function setBool(doc: VmxDocument, key: string, want: boolean | undefined, dflt: boolean | undefined): void {
  if (want === undefined) {
    doc.delete(key);
    return;
  }
  const cur = doc.has(key) ? safe(() => parseBool(doc, key)) : dflt;
  if (cur !== want) doc.set(key, want ? 'TRUE' : 'FALSE');
}

export function setNumber(doc: VmxDocument, key: string, want: number | undefined, dflt?: number): void {
  if (want === undefined) {
    doc.delete(key);
    return;
  }
  if (!Number.isSafeInteger(want) || want < 0) throw new VmxError('bad-value', `${key}: ${want} is not a whole number`, { file: doc.file, key });
  const v = doc.get(key);
  const cur = v === undefined ? dflt : /^\s*\d+\s*$/.test(v) ? Number(v) : undefined;
  if (cur !== want) doc.set(key, String(want));
}

export function setString(doc: VmxDocument, key: string, want: string | undefined, normalize: (s: string) => string = (s) => s): void {
  if (want === undefined) {
    doc.delete(key);
    return;
  }
  const cur = doc.get(key);
  if (cur === undefined || normalize(cur) !== normalize(want)) doc.set(key, want);
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
