import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl } from './externalLinks';

describe('external links', () => {
  it('opens the allow-listed pages', () => {
    expect(isAllowedExternalUrl('https://github.com/vmware/open-vm-tools')).toBe(true);
    expect(isAllowedExternalUrl('https://github.com/vmware/open-vm-tools/releases')).toBe(true);
  });
  it('refuses everything else, lookalikes included', () => {
    for (const url of [
      'https://github.com/vmware/open-vm-tools-evil',
      'https://github.com.evil.example/vmware/open-vm-tools',
      'https://github.com@evil.example/vmware/open-vm-tools',
      'https://user:pw@github.com/vmware/open-vm-tools',
      'http://github.com/vmware/open-vm-tools',
      'https://github.com:8443/vmware/open-vm-tools',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://example.com/',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });
});
