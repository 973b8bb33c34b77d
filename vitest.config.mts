import { defineConfig } from 'vitest/config';

// Two tiers: `unit` (no KVM, milliseconds) and `kvm` (real /dev/kvm, real guests; files
// named *.kvm.test.ts). Both run in `npm test`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}'],
          exclude: ['**/*.kvm.test.ts', '**/node_modules/**'],
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
    ],
  },
});
