// `vireo` command line entry.
import { parseRunArgs, UsageError, USAGE } from './args';
import { diskCommand, DISK_USAGE } from './disk';
import { guestinfoCommand, GUESTINFO_USAGE } from './guestinfo';
import { hostCommand } from './host';
import { createCommand, listCommand, LIBRARY_USAGE } from './libraryCommands';
import { EXIT_BAD_INPUT } from './exitStatus';
import { runVm, vmConfigFrom, vmConfigFromVmx } from './run';
import { snapshotCommand, SNAPSHOT_USAGE } from './snapshot';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const options = parseRunArgs(rest);
      const notes: string[] = [];
      const config = options.vmx
        ? { ...vmConfigFromVmx(options.vmx, { allowExternalDisks: options.allowExternalDisks }, notes), noReboot: options.noReboot, screenshotOnStop: vmConfigFrom(options).screenshotOnStop }
        : vmConfigFrom(options);
      if (options.vmx && options.nics.length) config.nics = options.nics;
      for (const n of notes) process.stderr.write(`vireo: ${n}\n`);
      return runVm(config, options);
    }
    case 'host':
      return hostCommand();
    case 'list':
      return listCommand(rest, (text) => process.stdout.write(text));
    case 'create':
      return createCommand(rest, (text) => process.stdout.write(text));
    case 'guestinfo':
      return guestinfoCommand(rest, (text) => process.stdout.write(text), (text) => process.stderr.write(text));
    case 'disk':
      return diskCommand(rest, (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'));
    case 'snapshot':
      return snapshotCommand(rest, (text) => process.stdout.write(text), (text) => process.stderr.write(text));
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE + '\n' + DISK_USAGE + '\n' + LIBRARY_USAGE + '\n' + GUESTINFO_USAGE + '\n' + SNAPSHOT_USAGE + '\n');
      return command ? 0 : EXIT_BAD_INPUT;
    default:
      throw new UsageError(`unknown command ${command}: see vireo --help`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`vireo: ${err.message}\n`);
    process.exit(EXIT_BAD_INPUT);
  },
);
