// Time and allocation bounds for one fuzz case: "never unbounded memory or time" made
// checkable. Every Buffer.alloc/allocUnsafe/allocUnsafeSlow made while the case runs is
// measured; a single allocation above the bound, or a case slower than its time bound,
// fails the case with a BoundError (which the property reports with its input).
export interface Bounds {
  maxMs: number;
  /** Largest single Buffer the code under test may ask for. */
  maxAllocBytes: number;
}

export class BoundError extends Error {}

/** Cases run under a time bound; `VIREO_FUZZ_SLACK` stretches it on a loaded host. */
const slack = Number(process.env.VIREO_FUZZ_SLACK ?? '1') || 1;

export function withBounds<T>(b: Bounds, fn: () => T): T {
  const saved = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe, allocUnsafeSlow: Buffer.allocUnsafeSlow };
  const check = (size: number) => {
    if (size > b.maxAllocBytes) throw new BoundError(`allocation of ${size} bytes (bound ${b.maxAllocBytes})`);
  };
  Buffer.alloc = ((size: number, ...rest: unknown[]) => (check(size), (saved.alloc as (...a: unknown[]) => Buffer)(size, ...rest))) as typeof Buffer.alloc;
  Buffer.allocUnsafe = ((size: number) => (check(size), saved.allocUnsafe(size))) as typeof Buffer.allocUnsafe;
  Buffer.allocUnsafeSlow = ((size: number) => (check(size), saved.allocUnsafeSlow(size))) as typeof Buffer.allocUnsafeSlow;
  const t0 = performance.now();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: fn() };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    Object.assign(Buffer, saved);
  }
  // Slow failures count too: an error after a minute of work is still unbounded time.
  const ms = performance.now() - t0;
  if (ms > b.maxMs * slack) throw new BoundError(`case took ${ms.toFixed(0)} ms (bound ${b.maxMs * slack} ms)`);
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** Runs per property: short in `npm test`, long in `npm run fuzz:files` (VIREO_FUZZ_RUNS). */
export function fuzzRuns(short: number): number {
  const n = Number(process.env.VIREO_FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : short;
}

/** The test timeout for a property of `runs` cases of at most `perCaseMs` each. */
export const timeoutFor = (runs: number, perCaseMs: number) => Math.max(60_000, runs * perCaseMs * slack);
