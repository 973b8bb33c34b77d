import { defineConfig } from 'vitest/config';

// Three tiers: `unit` (no KVM, milliseconds), `kvm` (real /dev/kvm, real guests; files
// named *.kvm.test.ts) and `trace` (third-party guest programs as host processes under
// the backdoor tracer native/tools/bdtrace; files named *.trace.test.ts). All run in
// `npm test`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
          exclude: ['**/*.kvm.test.ts', '**/*.trace.test.ts', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'kvm',
          include: ['electron/**/*.kvm.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'trace',
          include: ['electron/**/*.trace.test.ts'],
          pool: 'forks',
          testTimeout: 120_000,
        },
      },
    ],
  },
});
