// One error type for everything that can go wrong reading or mapping a .vmx file.
// `line` is 1-based (0 when the problem is not tied to a line, e.g. a missing file);
// `key` is the setting involved, when there is one.

export type VmxErrorCode =
  | 'malformed-line' // a line that is neither blank, comment nor `key = "value"`
  | 'bad-encoding' // `.encoding` names an encoding we cannot decode
  | 'unencodable' // a new value has characters the file's encoding cannot hold
  | 'bad-value' // a known key with a value of the wrong type or range
  | 'too-large' // the file exceeds MAX_VMX_BYTES
  | 'io';

export class VmxError extends Error {
  readonly code: VmxErrorCode;
  readonly file: string;
  readonly line: number;
  readonly key: string | undefined;

  constructor(code: VmxErrorCode, message: string, opts: { file?: string; line?: number; key?: string } = {}) {
    const where = opts.file ? `${opts.file}${opts.line ? `:${opts.line}` : ''}: ` : opts.line ? `line ${opts.line}: ` : '';
    super(`${where}${message}`);
    this.name = 'VmxError';
    this.code = code;
    this.file = opts.file ?? '';
    this.line = opts.line ?? 0;
    this.key = opts.key;
  }
}

/** Shortens hostile text before it goes into an error message. */
export function quoteForMessage(text: string, max = 120): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
