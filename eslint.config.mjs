// Lint = the layer rules of ARCHITECTURE.md (house rules 3 and 5), enforced, plus the
// recommended TypeScript checks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

import { rendererRules } from './renderer/eslint.rules.mjs';

const restrict = (patterns, paths = []) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist-renderer/**', 'native/build/**', 'native/guests/**', 'artifacts/**', 'test-results/**', 'bench/**', 'scripts/**', 'bin/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // common is pure: no Electron, no Node, no DOM-bound layer.
    files: ['electron/common/**/*.ts'],
    rules: restrict([
      { group: ['node:*', 'electron'], message: 'electron/common is pure TypeScript shared by every process.' },
      { group: ['../*/**', '!../common/**'], message: 'electron/common imports nothing from other layers.' },
    ]),
  },
  {
    // main never loads native code (house rule 3): it starts vmhost by path.
    files: ['electron/main/**/*.ts'],
    rules: restrict([
      { group: ['**/native/**', '**/native', '**/vmhost/**'], message: 'Electron main never loads native/ or the VM host; it forks vmhost by path.' },
    ]),
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: restrict([
      { group: ['node:*', '**/native/**', '**/vmhost/**'], message: 'The preload exposes functions over IPC only.' },
      { group: ['**/main/**'], allowTypeImports: true, message: 'The preload may take only types from electron/main.' },
    ]),
  },
  {
    // vmhost is plain Node: no electron import (it runs under child_process.fork too).
    files: ['electron/vmhost/**/*.ts', 'electron/cli/**/*.ts', 'electron/vmfiles/**/*.ts'],
    rules: restrict([{ group: ['electron'], message: 'The VM host, CLI and vmfiles are plain Node.' }], [
      { name: 'electron', message: 'The VM host, CLI and vmfiles are plain Node.' },
    ]),
  },
  {
    files: ['electron/cli/**/*.ts'],
    rules: restrict([
      { group: ['**/native/**', '**/vmhost/native'], message: 'The CLI talks to a forked VM host, never to native/.' },
    ], [{ name: 'electron', message: 'The CLI is plain Node.' }]),
  },
  { files: ['renderer/**/*.{ts,tsx}'], rules: rendererRules },
);
