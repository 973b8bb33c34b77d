// The browser host's per-start access token. Loopback alone does not keep other local
// users or other web pages away from the VMs (any process on the machine can connect to
// 127.0.0.1, and a page elsewhere can make the browser send requests there), so every HTTP
// request and the WebSocket upgrade must prove they come from someone who saw the URL the
// host printed (as Jupyter's token does). The URL carries `?token=…` once; the host answers
// with a cookie scoped to its port (cookies ignore ports, so the name holds it) and a
// redirect that takes the token out of the address bar.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_BYTES = 24;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export const cookieName = (port: number): string => `vireo_token_${port}`;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token from the request's cookie header, if it has ours. */
function cookieToken(req: IncomingMessage, port: number): string | undefined {
  const name = cookieName(port);
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type Access =
  | { ok: true }
  /** The right token in the query: set the cookie and redirect to `location`. */
  | { ok: 'redirect'; location: string; setCookie: string }
  | { ok: false };

export function checkAccess(req: IncomingMessage, port: number, token: string): Access {
  const cookie = cookieToken(req, port);
  if (cookie !== undefined && same(cookie, token)) return { ok: true };
  const url = new URL(req.url ?? '/', 'http://x');
  const given = url.searchParams.get('token');
  if (given !== null && same(given, token)) {
    url.searchParams.delete('token');
    return { ok: 'redirect', location: url.pathname + url.search, setCookie: `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict` };
  }
  return { ok: false };
}

export const REFUSED_TEXT = 'Vireo browser host: open the address it printed when it started (it carries the access token).\n';
