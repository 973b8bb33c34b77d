// The .vmx files a desktop start names: a double-click or `vireo-desktop VM.vmx` passes them
// as arguments (on Linux also to a second instance, main.ts 'second-instance').
import * as path from 'node:path';

/** .vmx paths among command-line arguments (flags and other files are ignored). */
export function vmxPathsFromArgv(argv: readonly string[], cwd: string): string[] {
  return argv.filter((a) => !a.startsWith('-') && /\.vmx$/i.test(a)).map((a) => path.resolve(cwd, a));
}
