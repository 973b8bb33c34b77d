// Layer rules for electron/main and electron/preload (house rules 3 and 5, ARCHITECTURE.md).
// Include in eslint.config.mjs:
//   { files: ['electron/main/**/*.ts'], rules: mainRules },
//   { files: ['electron/preload/**/*.ts'], rules: preloadRules },
export const mainRules = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        { group: ['**/native', '**/native/**', '*.node'], message: 'Main never loads native code: VM hosts do (vmHostStarter.ts).' },
        { group: ['**/electron/vmhost/**'], message: 'Main starts the VM host by path, it does not import it.' },
        { group: ['**/renderer/**'], message: 'Main does not import renderer code.' },
      ],
    },
  ],
};

// A sandboxed preload can require only 'electron'; everything else must be type-only
// (typescript-eslint's rule, which understands `import type`).
export const preloadRules = {
  '@typescript-eslint/no-restricted-imports': [
    'error',
    {
      patterns: [{ group: ['*', '!electron'], allowTypeImports: true, message: 'The sandboxed preload may import only electron at run time (type imports are fine).' }],
    },
  ],
};
