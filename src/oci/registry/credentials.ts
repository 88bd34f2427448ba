// Registry credentials from Docker's config file, as `docker login` leaves them:
// $DOCKER_CONFIG/config.json or ~/.docker/config.json, with `credHelpers` (per registry),
// then `credsStore` (all registries), then `auths[host].auth` (base64 "user:password").
// Helpers are Docker's credential-helper protocol: `docker-credential-NAME get`, the server
// URL on stdin, JSON {Username, Secret} on stdout.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Where credentials for a registry domain come from; the default reads Docker's config. */
export type CredentialSource = (domain: string) => Promise<Credentials | undefined>;

/** Docker Hub's credentials are stored under this historical key. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** Credentials from Docker's config for `domain` (`docker.io`, `localhost:5000`, …), if any. */
export async function dockerCredentials(domain: string, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const path = dockerConfigPath(env);
  let config: DockerConfig;
  try {
    config = JSON.parse(await readFile(path, 'utf8')) as DockerConfig;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read Docker config ${path}: ${(e as Error).message}`, undefined, { cause: e });
  }
  const hub = DOCKER_HUB_NAMES.has(domain);
  const serverURL = hub ? DOCKER_HUB_KEY : domain;

  const helper = config.credHelpers?.[hub ? 'docker.io' : domain] ?? (hub ? config.credHelpers?.[DOCKER_HUB_KEY] : undefined);
  if (helper) return runCredentialHelper(helper, serverURL, env);

  // `auths` entries written by `docker login` may be bare hosts or URLs; Docker compares hosts.
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    const host = hostOf(key);
    if (!(host === domain || (hub && DOCKER_HUB_NAMES.has(host)))) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new UserError(`${path}: auths["${key}"].auth is not base64 of "user:password"`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  }
  // A credsStore holds the secrets of every registry whose `auths` entry carries none.
  if (config.credsStore) return runCredentialHelper(config.credsStore, serverURL, env);
  return undefined;
}

/** Docker's ConvertToHostname: `https://host/v1/` → `host`. */
function hostOf(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0]!;
}

async function runCredentialHelper(name: string, serverURL: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new UserError(`credential helper ${program} (named in ${dockerConfigPath(env)}) is not installed`) : e),
    );
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    child.stdin.end(serverURL);
  });
  if (code !== 0) {
    const msg = (stdout + stderr).trim();
    // The protocol's answer for "nothing stored for this server".
    if (/credentials not found/i.test(msg)) return undefined;
    throw new UserError(`credential helper ${program} failed for ${serverURL}: ${msg || `exit ${code}`}`);
  }
  let parsed: { Username?: string; Secret?: string };
  try {
    parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
  } catch {
    throw new UserError(`credential helper ${program} printed something other than JSON for ${serverURL}`);
  }
  if (!parsed.Secret) return undefined;
  log.debug(`credentials for ${serverURL} from ${program}`);
  return { username: parsed.Username ?? '', password: parsed.Secret };
}
