// Finding a Docker engine for Dockerfile packages, the way the docker CLI picks one:
// $DOCKER_HOST, else the current docker context ($DOCKER_CONTEXT or `currentContext` in
// $DOCKER_CONFIG/config.json, default ~/.docker), else unix:///var/run/docker.sock. The engine is
// pinged (GET /_ping) with a short timeout, so a dead or foreign socket never hangs a build,
// and every failure says what was tried and what came back.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const PING_TIMEOUT_MS = 2000;
/** For hosts only the CLI can reach (ssh://, TLS): `docker version` gets this long. */
const CLI_TIMEOUT_MS = 15000;

export interface EngineChoice {
  /** The endpoint, as DOCKER_HOST would name it. */
  host: string;
  /** Where it came from, for messages: "DOCKER_HOST", "docker context foo", "the default socket". */
  source: string;
  /** Environment for the docker CLI so it talks to exactly this engine. */
  env: Record<string, string>;
}

export type EngineCheck = { ok: true; engine: EngineChoice } | { ok: false; engine: EngineChoice; why: string };

function dockerConfigDir(): string {
  return process.env.DOCKER_CONFIG || join(homedir(), '.docker');
}

/** The engine the docker CLI would use, without running it. */
export function chooseEngine(): EngineChoice {
  const fromEnv = process.env.DOCKER_HOST;
  if (fromEnv) return { host: fromEnv, source: 'DOCKER_HOST', env: { DOCKER_HOST: fromEnv } };
  let context = process.env.DOCKER_CONTEXT;
  if (!context) {
    try {
      const cfg = JSON.parse(readFileSync(join(dockerConfigDir(), 'config.json'), 'utf8')) as { currentContext?: string };
      context = cfg.currentContext;
    } catch {
      // No config file (or an unreadable one): the CLI uses the default context too.
    }
  }
  if (context && context !== 'default') {
    // The CLI stores a context's metadata under the sha256 of its name.
    const meta = join(dockerConfigDir(), 'contexts', 'meta', createHash('sha256').update(context).digest('hex'), 'meta.json');
    let host = '';
    try {
      const m = JSON.parse(readFileSync(meta, 'utf8')) as { Endpoints?: { docker?: { Host?: string } } };
      host = m.Endpoints?.docker?.Host ?? '';
    } catch {
      // Reported below as a context without an endpoint.
    }
    return { host, source: `docker context "${context}"`, env: { DOCKER_CONTEXT: context } };
  }
  return { host: DEFAULT_DOCKER_HOST, source: 'the default socket', env: { DOCKER_HOST: DEFAULT_DOCKER_HOST } };
}

/** GET /_ping on a unix or plain tcp endpoint: undefined if a Docker engine answered, else why not. */
export function ping(host: string, timeoutMs = PING_TIMEOUT_MS): Promise<string | undefined> {
  let target: { socketPath: string } | { host: string; port: number };
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    if (!existsSync(socketPath)) return Promise.resolve(`${socketPath} does not exist`);
    target = { socketPath };
  } else {
    const u = new URL(host.replace(/^tcp:/, 'http:'));
    target = { host: u.hostname, port: Number(u.port || 2375) };
  }
  return new Promise((resolveP) => {
    let settled = false;
    const done = (why: string | undefined): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolveP(why);
    };
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs, headers: { Host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => done(`the answer broke off (${e.message})`));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 80).trim();
        // Docker and podman answer "OK"; anything else is some other HTTP server.
        if (res.statusCode === 200 && body === 'OK') done(undefined);
        else done(`it answers, but not as a Docker engine (HTTP ${res.statusCode} "${body}" to GET /_ping)`);
      });
    });
    req.on('timeout', () => done(`no answer within ${timeoutMs} ms`));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code?.startsWith('HPE_')) done(`it answers, but not with HTTP (${e.code}): not a Docker engine`);
      else done(e.code ? `${e.code}: ${e.message}` : e.message);
    });
    req.end();
  });
}

/** Whether the engine answers: pinged directly where possible, else asked through the CLI. */
export async function checkEngine(engine = chooseEngine()): Promise<EngineCheck> {
  if (!engine.host) return { ok: false, engine, why: 'the context names no Docker endpoint' };
  const plain = engine.host.startsWith('unix://') || (engine.host.startsWith('tcp://') && !process.env.DOCKER_TLS_VERIFY && !engine.env.DOCKER_CONTEXT);
  if (plain) {
    const why = await ping(engine.host);
    return why ? { ok: false, engine, why } : { ok: true, engine };
  }
  // ssh://, TLS, contexts with certificates: only the CLI knows how to connect.
  const r = dockerCli(engine, ['version', '--format', '{{.Server.Version}}'], CLI_TIMEOUT_MS);
  if (r.status === 0 && r.stdout.trim()) return { ok: true, engine };
  return { ok: false, engine, why: r.error ?? (r.stderr.trim().split('\n').pop() || `docker version exited ${r.status}`) };
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

/** Runs the docker CLI against `engine`, briefly (for questions, not builds). */
export function dockerCli(engine: EngineChoice, args: string[], timeoutMs = CLI_TIMEOUT_MS): CliRun {
  const r = spawnSync('docker', args, { env: dockerEnv(engine), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  const err = r.error as NodeJS.ErrnoException | undefined;
  const error = err?.code === 'ENOENT' ? 'the docker CLI is not installed' : err?.code === 'ETIMEDOUT' ? `docker ${args[0]} took longer than ${timeoutMs} ms` : err?.message;
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(error ? { error } : {}) };
}

/** The environment for the docker CLI: ours, pinned to the chosen engine. */
export function dockerEnv(engine: EngineChoice): NodeJS.ProcessEnv {
  const env = { ...process.env, ...engine.env };
  if (engine.env.DOCKER_CONTEXT) delete env.DOCKER_HOST;
  return env;
}

/** How the engine will build: BuildKit through buildx (with its builder's driver) or the classic builder. */
export type BuilderKind = { kind: 'buildx'; driver: string } | { kind: 'classic' };

export function detectBuilder(engine: EngineChoice): BuilderKind {
  const v = dockerCli(engine, ['buildx', 'version']);
  if (v.status !== 0) return { kind: 'classic' };
  const inspect = dockerCli(engine, ['buildx', 'inspect']);
  const driver = /^Driver:\s*(\S+)/m.exec(inspect.stdout)?.[1] ?? 'docker';
  return { kind: 'buildx', driver };
}

/** The engine's own platform (what the classic builder builds), e.g. linux/amd64. */
export function enginePlatform(engine: EngineChoice): { os: string; architecture: string } | undefined {
  const r = dockerCli(engine, ['version', '--format', '{{.Server.Os}}/{{.Server.Arch}}']);
  const m = /^(\w+)\/(\w+)$/.exec(r.stdout.trim());
  return m ? { os: m[1]!, architecture: m[2]! } : undefined;
}
