import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RENDERER_CSP, resolveUnder, serveStatic } from './appScheme';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vireo-scheme-'));
fs.writeFileSync(path.join(root, 'index.html'), '<html></html>');
fs.mkdirSync(path.join(root, 'assets'));
fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'x');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('app:// resolution', () => {
  it('serves files of the build folder, index.html for /', () => {
    expect(resolveUnder(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveUnder(root, '/assets/app.js')).toBe(path.join(root, 'assets', 'app.js'));
  });

  it('refuses traversal, encoded traversal, NUL and dot files', () => {
    for (const p of ['/../etc/passwd', '/assets/../../x', '/%2e%2e/%2e%2e/etc/passwd', '/a%00b', '/.env', '/%E0%A4%A']) {
      expect(resolveUnder(root, p)).toBeNull();
    }
  });

  it('sends the CSP with HTML and a 404 for anything missing', () => {
    const page = serveStatic(root, '/index.html');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(RENDERER_CSP).toContain("script-src 'self'");
    expect(serveStatic(root, '/assets/app.js').headers['content-type']).toMatch(/javascript/);
    expect(serveStatic(root, '/nope.js').status).toBe(404);
  });
});
