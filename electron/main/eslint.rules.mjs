// Layer rules for electron/main and electron/preload (docs/architecture.md), used by
// eslint.config.mjs. Main is the Electron glue: it imports the app core (electron/app) and
// the shared vocabulary (electron/common), and starts VM hosts by path.
/** @type {import('eslint').Linter.RulesRecord} */
export const mainRules = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['**/native', '**/native/**', '*.node'], message: 'Main never loads native code: VM hosts do (vmHostStarter.ts).' },
        { group: ['**/vmhost', '**/vmhost/**'], message: 'Main starts the VM host by path, it does not import it.' },
        { group: ['**/renderer', '**/renderer/**'], message: 'Main does not import renderer code.' },
        {
          group: ['**/vmfiles/**', '**/cli/**', '**/devhost/**', '**/preload/**', '**/testing/**', '**/e2e/**'],
          message: 'electron/main is Electron glue: it imports electron/app and electron/common only.',
        },
      ],
    },
  ],
};

// A sandboxed preload can require only 'electron'; everything else must be type-only
// (typescript-eslint's rule, which understands `import type`), and those types come from
// electron/common (the core rule below sees type imports too).
/** @type {import('eslint').Linter.RulesRecord} */
export const preloadRules = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [{ group: ['*', '!electron'], allowTypeImports: true, message: 'The sandboxed preload may import only electron at run time (type imports are fine).' }],
    },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['**/electron/*/**', '../*/**', '!../common/**', 'node:*'],
          message: 'The preload takes its types from electron/common only.',
        },
      ],
    },
  ],
};
