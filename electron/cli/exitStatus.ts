import type { StopReason } from '../common/protocol';

// The CLI's exit status for how the guest ended (documented in USAGE and the README).
export const EXIT_BAD_INPUT = 2;

export function exitStatusFor(reason: StopReason | undefined, code = 0): number {
  switch (reason) {
    case 'poweroff':
      return Math.min(code >>> 0, 99);
    case 'reset':
      return 100;
    case 'triple-fault':
      return 101;
    case 'error':
      return 102;
    case 'host':
      return 103;
    default:
      return 102;
  }
}
