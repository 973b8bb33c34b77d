// app://vireo/ serves the renderer build (Electron security #18: a custom protocol, not
// file://). Resolution is confined to the build folder; anything else is a 404. The
// browser dev host serves the same files through the same function. Electron-free.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The renderer's Content-Security-Policy, sent as a header on every page response. */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // xterm.js injects <style> elements.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Absolute file under `root` for a request path, or null when it escapes or is hidden. */
export function resolveUnder(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = path.resolve(root, rel);
  const inside = path.relative(root, full);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return null;
  if (inside.split(path.sep).some((part) => part.startsWith('.'))) return null;
  return full;
}

export interface StaticResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

export function serveStatic(root: string, urlPath: string): StaticResponse {
  const file = resolveUnder(root, urlPath);
  const notFound: StaticResponse = { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
  if (!file) return notFound;
  let body: Uint8Array;
  try {
    body = fs.readFileSync(file);
  } catch {
    return notFound;
  }
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const headers: Record<string, string> = { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
  if (type.startsWith('text/html')) headers['content-security-policy'] = RENDERER_CSP;
  return { status: 200, headers, body };
}
