// The only pages a Vireo window may open in the user's browser (shell.openExternal): an
// allow-list of https origins + path prefixes, compared after URL parsing so lookalike
// hosts, user-info tricks ("https://github.com@evil/"), other schemes and ports are refused.
export const EXTERNAL_ALLOW_LIST: readonly { origin: string; pathPrefix: string }[] = [
  // "Get VMware Tools" in the console toolbar (renderer/features/vm/Toolbar.tsx).
  { origin: 'https://github.com', pathPrefix: '/vmware/open-vm-tools' },
];

export function isAllowedExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  return EXTERNAL_ALLOW_LIST.some((a) => url.origin === a.origin && (url.pathname === a.pathPrefix || url.pathname.startsWith(`${a.pathPrefix}/`)));
}
