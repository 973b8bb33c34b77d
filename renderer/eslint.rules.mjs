// Layer rule for renderer/ (docs/architecture.md: the renderer imports electron/common
// only): the renderer is a browser page. Include in eslint.config.mjs as
// `{ files: ['renderer/**/*.{ts,tsx}'], rules: rendererRules }`.
const banned = [
  { name: 'electron', message: 'The renderer reaches Electron only through renderer/bridge/vmmClient.ts (window.vireo).' },
];
/** @type {import('eslint').Linter.RulesRecord} */
export const rendererRules = {
  'no-restricted-imports': [
    'error',
    {
      paths: banned,
      patterns: [
        { group: ['node:*'], message: 'The renderer runs in a sandboxed page: no Node built-ins.' },
        { group: ['**/native/**', '**/electron/*/**', '!**/electron/common/**'], message: 'The renderer imports only electron/common from outside renderer/.' },
        { group: ['**/electron/preload/**'], message: 'The renderer sees the preload only through window.vireo.' },
      ],
    },
  ],
  'no-restricted-globals': ['error', { name: 'require', message: 'No require in the renderer.' }, { name: 'process', message: 'No process in the renderer.' }],
};
