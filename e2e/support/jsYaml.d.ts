// The one function validateBuilderConfig.js takes from js-yaml 4 (a dependency of
// electron-builder, which ships no types): load() parses one YAML document (js-yaml README,
// "API": load (string [ , options ])).
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
