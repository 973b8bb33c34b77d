// A small coverage-guided fuzzer for the VM-file parsers, in the test process itself:
// V8's precise block coverage (inspector Profiler.takePreciseCoverage, which also resets
// the counters, so each take is one input's coverage) tells which inputs reach new code;
// those join the corpus and are mutated further, as libFuzzer does. Block hit counts are
// bucketed as AFL does (1, 2, 3-4, 5-8, ...), so a loop taken more often also counts as
// new. Used because @jazzer.js/core cannot run here (its prebuild needs GLIBC 2.38).
import { Session } from 'node:inspector';

export interface CoverageTarget {
  name: string;
  seeds: Buffer[];
  maxLen: number;
  /** Tokens worth inserting (magic numbers, keywords). */
  dictionary?: Buffer[];
  /** Runs one input; throws only on a bug (the rule of the target was broken). */
  run(data: Buffer): void;
}

export interface CoverageResult {
  execs: number;
  corpus: number;
  /** Distinct (block, count bucket) pairs reached in the files under test. */
  features: number;
  ms: number;
}

/** Which scripts count: our sources, not tests or node_modules. */
const SOURCES = /\/electron\/vmfiles\/(?!fuzz\/)[^/]*(\/[^/]*)?\.ts$/;

type Post = (method: string, params?: object) => unknown;

interface Coverage {
  result: Array<{ scriptId: string; url: string; functions: Array<{ ranges: Array<{ startOffset: number; endOffset: number; count: number }> }> }>;
}

function connect(): { post: Post; close(): void } {
  const s = new Session();
  s.connect();
  // In-process sessions answer synchronously: the callback runs before post() returns.
  const post: Post = (method, params = {}) => {
    let out: unknown;
    let error: Error | null = null;
    s.post(method, params, (err, res) => {
      error = err;
      out = res;
    });
    if (error) throw error;
    return out;
  };
  post('Profiler.enable');
  post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  return {
    post,
    close: () => {
      post('Profiler.stopPreciseCoverage');
      post('Profiler.disable');
      s.disconnect();
    },
  };
}

const bucket = (n: number) => (n <= 2 ? n : 32 - Math.clz32(n - 1) + 1);

function features(cov: Coverage, into: (key: string) => void): void {
  for (const script of cov.result) {
    if (!SOURCES.test(script.url)) continue;
    for (const fn of script.functions) {
      for (const r of fn.ranges) if (r.count > 0) into(`${script.url}:${r.startOffset}:${r.endOffset}:${bucket(r.count)}`);
    }
  }
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x200, 0x1000, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** xorshift32: the run is reproducible from its seed (printed on failure). */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % Math.max(1, n);
  };
}

function mutate(input: Buffer, corpus: Buffer[], t: CoverageTarget, r: (n: number) => number): Buffer {
  let b = Buffer.from(input);
  // Mostly one mutation: stacked ones break a text format more often than they help.
  for (let k = r(4) === 0 ? 2 + r(3) : 1; k > 0; k--) {
    const pos = r(Math.max(1, b.length));
    switch (r(t.dictionary?.length ? 10 : 8)) {
      case 0: // bit flip
        if (b.length) b[pos] ^= 1 << r(8);
        break;
      case 1: // random byte
        if (b.length) b[pos] = r(256);
        break;
      case 2: { // interesting 32-bit value, little-endian
        const v = INTERESTING[r(INTERESTING.length)]!;
        if (pos + 4 <= b.length) b.writeUInt32LE(v >>> 0, pos);
        break;
      }
      case 3: { // interesting 64-bit value
        if (pos + 8 <= b.length) b.writeBigUInt64LE(r(2) ? BigInt(INTERESTING[r(INTERESTING.length)]!) : 0xffffffffffffffffn, pos);
        break;
      }
      case 4: { // delete a run
        const n = 1 + r(16);
        b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + n))]);
        break;
      }
      case 5: { // insert random bytes or a dictionary token
        const dict = t.dictionary ?? [];
        const ins = dict.length && r(2) ? dict[r(dict.length)]! : Buffer.from(Array.from({ length: 1 + r(8) }, () => r(256)));
        b = Buffer.concat([b.subarray(0, pos), ins, b.subarray(pos)]);
        break;
      }
      case 6: { // splice with another corpus entry
        const o = corpus[r(corpus.length)]!;
        const at = r(Math.max(1, o.length));
        b = Buffer.concat([b.subarray(0, pos), o.subarray(at, at + 1 + r(512))]);
        break;
      }
      case 8:
      case 9: { // text formats: replace the word at pos (between spaces, quotes, =, line ends) by a token
        const dict = t.dictionary!;
        const stop = (c: number | undefined) => c === undefined || c === 0x20 || c === 0x22 || c === 0x3d || c === 0x0a || c === 0x0d;
        let from = pos;
        while (from > 0 && !stop(b[from - 1])) from--;
        let to = pos;
        while (to < b.length && !stop(b[to])) to++;
        b = Buffer.concat([b.subarray(0, from), dict[r(dict.length)]!, b.subarray(to)]);
        break;
      }
      default: { // copy a run inside the input (repeated structures)
        const from = r(Math.max(1, b.length));
        const n = Math.min(1 + r(64), b.length - Math.max(from, pos));
        if (n > 0) b.copy(b, pos, from, from + n);
      }
    }
  }
  return b.length > t.maxLen ? b.subarray(0, t.maxLen) : b;
}

export function fuzzWithCoverage(t: CoverageTarget, opts: { execs: number; seed: number }): CoverageResult {
  const cov = connect();
  const seen = new Set<string>();
  const corpus: Buffer[] = [];
  const r = rng(opts.seed);
  const t0 = performance.now();
  const runOne = (data: Buffer): boolean => {
    try {
      t.run(data);
    } catch (err) {
      const e = err as Error;
      e.message = `${t.name}: fuzz seed ${opts.seed}, input (${data.length} bytes, base64) ${data.toString('base64')}\n${e.message}`;
      throw e;
    }
    let fresh = false;
    features(cov.post('Profiler.takePreciseCoverage') as Coverage, (k) => {
      if (!seen.has(k)) {
        seen.add(k);
        fresh = true;
      }
    });
    return fresh;
  };
  try {
    cov.post('Profiler.takePreciseCoverage'); // drop what ran before
    for (const s of t.seeds) {
      runOne(s);
      corpus.push(s);
    }
    let execs = t.seeds.length;
    for (; execs < opts.execs; execs++) {
      const input = mutate(corpus[r(corpus.length)]!, corpus, t, r);
      if (runOne(input)) corpus.push(input);
    }
    return { execs, corpus: corpus.length, features: seen.size, ms: performance.now() - t0 };
  } finally {
    cov.close();
  }
}
