// Exit reasons in the wire order of the native counters (native/src/core/exit_stats.h).
export const EXIT_REASONS = [
  'io-in',
  'io-out',
  'mmio-read',
  'mmio-write',
  'hlt',
  'irq-window',
  'interrupted',
  'shutdown',
  'system-event',
  'fail-entry',
  'internal-error',
  'other',
] as const;

export type ExitReason = (typeof EXIT_REASONS)[number];

export const EXIT_REASON_LABELS: Record<ExitReason, string> = {
  'io-in': 'Port I/O in',
  'io-out': 'Port I/O out',
  'mmio-read': 'MMIO read',
  'mmio-write': 'MMIO write',
  hlt: 'HLT',
  'irq-window': 'IRQ window',
  interrupted: 'Kicked / signal',
  shutdown: 'Triple fault',
  'system-event': 'System event',
  'fail-entry': 'Entry failure',
  'internal-error': 'Internal error',
  other: 'Other',
};
