// Lint = the layer rules of docs/architecture.md, enforced, plus the recommended TypeScript
// checks, on every TypeScript and JavaScript file of the repository.
//
// Layers, one direction (README.md "Architecture"): common <- vmfiles; common, vmfiles <-
// vmhost; common, vmfiles <- app <- main, devhost, cli; the renderer and the preload import
// common only. Each folder below names the folders of ours it may import; importing any
// other is an error. Tests may reach across layers (a CLI test drives the VM host's
// control server) but never into the renderer, and no production file imports
// electron/testing or e2e/.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

import { mainRules, preloadRules } from './electron/main/eslint.rules.mjs';
import { rendererRules } from './renderer/eslint.rules.mjs';

const ELECTRON_FOLDERS = ['common', 'vmfiles', 'vmhost', 'app', 'cli', 'main', 'preload', 'devhost', 'testing'];

/**
 * no-restricted-imports: of our folders, only `may` (and the folder itself); plus `extra` patterns.
 * @param {string} folder
 * @param {string[]} may
 * @param {string} message
 * @param {{ group: string[]; message: string }[]} [extra]
 * @returns {import('eslint').Linter.RulesRecord}
 */
function zone(folder, may, message, extra = []) {
  const denied = [...ELECTRON_FOLDERS.filter((f) => f !== folder && !may.includes(f)), 'renderer', 'e2e'];
  // The repository's native/ folder (the addon); vmhost/native.ts, which loads it by path, is a module of the VM host.
  const native = folder === 'vmhost' ? [] : ['**/native/**', '*.node'];
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: [{ name: 'electron', message }],
        patterns: [{ group: [...denied.flatMap((f) => [`**/${f}`, `**/${f}/**`]), ...native], message }, ...extra],
      },
    ],
  };
}

const PRODUCTION_IGNORES = ['**/*.test.ts'];

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'out/**', 'dist-renderer/**', 'release/**', 'native/build/**', 'native/guests/build/**', 'native/**/build/**', 'artifacts/**', 'test-results/**', 'playwright-report/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain Node scripts, fixtures and benchmarks (CommonJS) and the ESM config files.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module', globals: globals.node } },
  {
    files: ['electron/common/**/*.ts'],
    ignores: PRODUCTION_IGNORES,
    rules: zone('common', [], 'electron/common is pure TypeScript shared by every process: it imports nothing else of ours, no Node, no Electron.', [
      { group: ['node:*'], message: 'electron/common runs in the renderer too: no Node built-ins.' },
    ]),
  },
  {
    files: ['electron/vmfiles/**/*.ts'],
    ignores: PRODUCTION_IGNORES,
    rules: zone('vmfiles', ['common'], 'electron/vmfiles (VM files on disk) is plain Node on electron/common only.'),
  },
  {
    // The VM host is plain Node (it runs under child_process.fork too) and the only code that loads native/ (native.ts, by path).
    files: ['electron/vmhost/**/*.ts'],
    ignores: PRODUCTION_IGNORES,
    rules: zone('vmhost', ['common', 'vmfiles'], 'The VM host is plain Node on electron/common and electron/vmfiles; its clients start it by path.'),
  },
  {
    files: ['electron/app/**/*.ts'],
    ignores: PRODUCTION_IGNORES,
    rules: zone('app', ['common', 'vmfiles'], 'electron/app is the Electron-free app core on electron/common and electron/vmfiles; it starts VM hosts by path.'),
  },
  {
    files: ['electron/cli/**/*.ts'],
    ignores: PRODUCTION_IGNORES,
    rules: zone('cli', ['common', 'vmfiles', 'app'], 'The CLI is plain Node: it starts a VM host through electron/app/childHost.ts, never loads native/.'),
  },
  {
    files: ['electron/devhost/**/*.ts'],
    ignores: PRODUCTION_IGNORES,
    rules: zone('devhost', ['common', 'app'], 'The browser dev host runs the app core (electron/app) on plain Node: no Electron, no VM host import.'),
  },
  {
    // Test support: starts hosts and reads their types; never the UI or Electron.
    files: ['electron/testing/**/*.ts'],
    rules: zone('testing', ['common', 'vmfiles', 'app', 'vmhost'], 'electron/testing drives VM hosts and the CLI as a user would, on plain Node.'),
  },
  { files: ['electron/main/**/*.ts'], ignores: PRODUCTION_IGNORES, rules: mainRules },
  { files: ['electron/preload/**/*.ts'], ignores: PRODUCTION_IGNORES, rules: preloadRules },
  {
    files: ['electron/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer', '**/renderer/**', '**/e2e/**'], message: 'Electron-side tests do not import the renderer or the e2e suites.' }] }],
    },
  },
  {
    // The e2e suites drive the page from outside and may start VM hosts (electron/app) and read the vocabulary (electron/common).
    files: ['e2e/**/*.{ts,js}', 'playwright.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...['vmfiles', 'vmhost', 'cli', 'main', 'preload', 'devhost', 'testing'].map((f) => `**/electron/${f}/**`), '**/renderer', '**/renderer/**', '**/native/**'],
              message: 'e2e reaches the app through the page, the built dev host and VM hosts; it imports electron/common and electron/app only.',
            },
          ],
        },
      ],
    },
  },
  { files: ['renderer/**/*.{ts,tsx}'], rules: rendererRules },
);
