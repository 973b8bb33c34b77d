// Error codes shared by the native layer (native/src/core/status.h, same order), the VM
// host and the UI. The UI maps codes to text in one table; nobody matches on messages.
export const VMM_ERROR_CODES = [
  'ok',
  'no-kvm',
  'kvm-permission',
  'kvm-capability',
  'host-limit',
  'invalid-argument',
  'image-format',
  'io',
  'internal',
] as const;

export type VmmErrorCode = (typeof VMM_ERROR_CODES)[number];

export interface VmmErrorShape {
  code: VmmErrorCode;
  message: string;
}
