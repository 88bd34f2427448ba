// Which server answers for a registry domain, and over which scheme:
//  - docker.io is served at registry-1.docker.io;
//  - mirrors (LinuxKit's `--mirror REG=URL` / `--mirror URL` / $LINUXKIT_MIRROR) replace a
//    registry for pulls; the URL's scheme decides http or https and its path prefixes the repo;
//  - plain HTTP only for loopback hosts (localhost, 127.0.0.0/8, ::1: Docker's default insecure
//    registries) and for registries named in $LINUXKIT_INSECURE_REGISTRIES or by the caller. For
//    those, HTTPS is tried first, as Docker and go-containerregistry do.
import { ENV_MIRROR, UserError } from '../../util/index.js';

export { ENV_MIRROR };
export const ENV_INSECURE = 'LINUXKIT_INSECURE_REGISTRIES';

const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

export type Scheme = 'https' | 'http';

export interface Endpoint {
  /** The registry domain as in the reference (`docker.io`): used for credentials and messages. */
  domain: string;
  /** host[:port] that serves the API. */
  host: string;
  /** Path inserted before the repository (mirrors with a path), no leading/trailing slash. */
  prefix: string;
  /** Schemes to try, in order. */
  schemes: Scheme[];
  /** True when this endpoint is a mirror standing in for `domain`. */
  mirror: boolean;
}

/** Mirrors by registry domain (`*` for every registry not named). */
export type MirrorMap = Map<string, string>;

/**
 * Parses mirror settings as LinuxKit does (lk:src/cmd/linuxkit/cmd.go): entries from
 * $LINUXKIT_MIRROR (comma or space separated) first, then the flags, so a flag wins.
 */
export function parseMirrors(flags: string[], env: NodeJS.ProcessEnv = process.env): MirrorMap {
  const fromEnv = (env[ENV_MIRROR] ?? '').split(/[, ]/).filter(Boolean);
  const map: MirrorMap = new Map();
  for (const m of [...fromEnv, ...flags]) {
    if (!m) continue;
    const eq = m.indexOf('=');
    const key = eq < 0 ? '*' : m.slice(0, eq);
    const url = eq < 0 ? m : m.slice(eq + 1);
    if (!/^https?:\/\//.test(url)) throw new UserError(`mirror "${url}" must start with http:// or https://`);
    if (key === 'docker.io' || key === 'docker.io/') for (const alias of DOCKER_HUB_ALIASES) map.set(alias, url);
    else map.set(key, url);
  }
  return map;
}

/** Registries named insecure in $LINUXKIT_INSECURE_REGISTRIES (comma or space separated). */
export function insecureFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[ENV_INSECURE] ?? '').split(/[, ]/).filter(Boolean);
}

/** localhost, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopback(hostPort: string): boolean {
  let host = hostPort;
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']'));
  else if (host.split(':').length === 2) host = host.split(':')[0]!;
  host = host.toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export class Hosts {
  constructor(
    private readonly mirrors: MirrorMap = new Map(),
    private readonly insecure: string[] = [],
  ) {}

  /** The endpoint for `domain`; mirrors apply to reads only (a push goes to the registry named). */
  endpoint(domain: string, purpose: 'pull' | 'push'): Endpoint {
    const mirror = purpose === 'pull' ? (this.mirrors.get(domain) ?? this.mirrors.get('*')) : undefined;
    if (mirror) {
      const u = new URL(mirror);
      return {
        domain,
        host: u.host,
        prefix: u.pathname.replace(/^\/+|\/+$/g, ''),
        schemes: [u.protocol === 'http:' ? 'http' : 'https'],
        mirror: true,
      };
    }
    const host = DOCKER_HUB_ALIASES.includes(domain) ? DOCKER_HUB_API_HOST : domain;
    const plainAllowed = isLoopback(host) || this.insecure.includes(domain) || this.insecure.includes(host);
    return { domain, host, prefix: '', schemes: plainAllowed ? ['https', 'http'] : ['https'], mirror: false };
  }
}
