// Runs the real `vireo` CLI (bin/vireo.js) as a user would, capturing serial output and
// the exit status; optionally stops it once the output matches.
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const GUESTS = path.join(ROOT, 'native/guests/build');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  matchedMs?: number;
}

export function runCli(
  args: string[],
  opts: { until?: RegExp; timeoutMs?: number; env?: NodeJS.ProcessEnv; command?: string[] } = {},
): Promise<CliResult> {
  const started = Date.now();
  const argv = [...(opts.command ?? [process.execPath, path.join(ROOT, 'bin/vireo.js')]), ...args];
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let matchedMs: number | undefined;
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('latin1');
      if (opts.until && matchedMs === undefined && opts.until.test(stdout)) {
        matchedMs = Date.now() - started;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, matchedMs });
    });
  });
}
