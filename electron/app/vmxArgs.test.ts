import { describe, expect, it } from 'vitest';
import { vmxPathsFromArgv } from './vmxArgs';

describe('vmxPathsFromArgv', () => {
  it('finds .vmx paths relative to the caller directory', () => {
    expect(vmxPathsFromArgv(['--no-sandbox', 'a.VMX', '/abs/b.vmx', 'notes.txt'], '/home/u')).toEqual(['/home/u/a.VMX', '/abs/b.vmx']);
  });
});
