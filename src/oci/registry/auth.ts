// Registry authentication (the distribution token spec): a registry answers 401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…` (fetch a token from the realm,
// anonymously or with basic credentials) or `Basic realm=…` (send the credentials).

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** Parses one WWW-Authenticate header (the first Bearer or Basic challenge in it). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  // key=value or key="quoted, value" pairs, comma separated.
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2]!;
  re.lastIndex = 0;
  let pm: RegExpExecArray | null;
  while ((pm = re.exec(rest)) !== null) {
    params[pm[1]!.toLowerCase()] = pm[2] !== undefined ? pm[2].replace(/\\(.)/g, '$1') : pm[3]!;
    if (re.lastIndex >= rest.length) break;
  }
  return { scheme, params };
}

/** `repository:NAME:pull` / `repository:NAME:pull,push`. */
export function repoScope(path: string, push: boolean): string {
  return `repository:${path}:${push ? 'pull,push' : 'pull'}`;
}

/** The URL to ask the realm for a token covering `scopes`. */
export function tokenURL(ch: Challenge, scopes: string[]): URL {
  const realm = ch.params.realm;
  if (!realm) throw new Error('bearer challenge without realm');
  const u = new URL(realm);
  if (ch.params.service) u.searchParams.set('service', ch.params.service);
  for (const s of scopes) u.searchParams.append('scope', s);
  return u;
}
