// `node out/electron/devhost/cli.js [--port N] [--data-dir DIR]` (npm run start:browser).
// The printed URL carries a fresh access token; VIREO_DEV_TOKEN sets it instead (the e2e
// suite does, so its browser knows it).
import * as os from 'node:os';
import * as path from 'node:path';
import { vmHostModulePath } from '../app/hostHandle';
import { startDevHost } from './devHost';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const repo = path.resolve(__dirname, '..', '..', '..');
const port = Number(arg('--port') ?? process.env.VIREO_DEV_PORT ?? 5199);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`devhost: bad port ${port}`);
  process.exit(2);
}

startDevHost({
  port,
  rendererRoot: path.join(repo, 'out', 'renderer'),
  vmHostModule: process.env.VIREO_VMHOST ?? vmHostModulePath(),
  dataDir: arg('--data-dir') ?? path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'vireo-devhost'),
  guestsDir: process.env.VIREO_GUESTS ?? path.join(repo, 'native', 'guests', 'build'),
  token: process.env.VIREO_DEV_TOKEN || undefined,
}).then(
  (host) => {
    console.log(`Vireo browser dev host: ${host.url}  (Ctrl+C stops it and powers off its VMs)`);
    const stop = (): void => {
      void host.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (err: Error) => {
    console.error(`devhost: ${err.message}`);
    process.exit(1);
  },
);
