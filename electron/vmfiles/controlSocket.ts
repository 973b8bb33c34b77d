// Where the control socket of a running VM lives: one UNIX socket per VM in a directory
// only this user can enter — $XDG_RUNTIME_DIR/vireo-<uid>/ (or the temp directory when
// there is no runtime directory) — named by a hash of the .vmx's real path, so a second
// `vireo` process finds it from the .vmx alone. Not beside the .vmx: a UNIX socket path
// is limited to 107 bytes (unix(7) sun_path), which a VM folder's path can exceed.
// The VM host serves it while it holds the .vmx lock (lock.ts), so at most one exists.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  const base = runtime && path.isAbsolute(runtime) ? runtime : os.tmpdir();
  return path.join(base, `vireo-${os.userInfo().uid}`);
}

/** The socket of the VM whose .vmx is `vmxPath` (symlinks resolved when the file exists). */
export function controlSocketPath(vmxPath: string, env: NodeJS.ProcessEnv = process.env): string {
  let real = path.resolve(vmxPath);
  try {
    real = fs.realpathSync(real);
  } catch {
    // A .vmx that is gone has no running VM; the path still names where it would be.
  }
  const id = createHash('sha256').update(real).digest('hex').slice(0, 32);
  return path.join(controlDir(env), `${id}.sock`);
}
