// Where an Electron executable would be (node_modules/electron/index.js logic, without its
// download-on-first-use), or why there is none.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function electronBinary(repo: string): { bin?: string; reason?: string } {
  const pkg = path.join(repo, 'node_modules', 'electron');
  if (!fs.existsSync(pkg)) return { reason: 'the electron package is not installed' };
  const pathFile = path.join(pkg, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : 'electron';
  const bin = process.env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel) : path.join(pkg, 'dist', rel);
  if (!fs.existsSync(bin)) return { reason: `no executable at ${path.relative(repo, bin)}; the electron package downloads it from GitHub on first use` };
  return { bin };
}
