// A real OCI registry for tests: Debian's docker-registry (distribution v2) on 127.0.0.1,
// on a free port, with its storage and config in a temp dir. Optional htpasswd basic auth.
// Not used by the CLI; lives in src/ so every part's tests can start one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer, request, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, createPrivateKey, createSign, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tarBuffer } from '../../tar/index.js';
import { MediaType, REF_NAME_ANNOTATION, type Descriptor } from '../types.js';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface TestRegistryOptions {
  /** Require basic auth with this user and password (htpasswd, bcrypt). */
  auth?: { username: string; password: string };
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (made with openssl). */
  tls?: boolean;
  /**
   * Docker Hub's scheme: bearer tokens from a token service (started here, on 127.0.0.1),
   * anonymous unless `auth` is also given, in which case the token service checks it.
   */
  token?: boolean;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, usable as the domain of a reference. */
  host: string;
  port: number;
  /** The registry's storage root (docker/registry/v2/…), for fault tests. */
  storageDir: string;
  /** The temp dir holding config, storage and the registry's log. */
  dir: string;
  /** With `tls`: the PEM certificate clients must trust. */
  certFile?: string;
  /** With `token`: every token request, as `user|anonymous scope scope…`. */
  tokenRequests?: string[];
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (there is a small window before the registry binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The first of `count` consecutive TCP ports that are all free on 127.0.0.1 when asked (for a
 * program that takes BASE+1, BASE+2, …). Drawn below Linux's ephemeral range (32768–60999), where
 * the kernel never hands ports out to other programs' connections meanwhile.
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
    const held: NetServer[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const srv = createNetServer();
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(first + i, '127.0.0.1', () => resolve());
        });
        held.push(srv);
      }
      return first;
    } catch {
      // One of them is taken: another run.
    } finally {
      await Promise.all(held.map((srv) => new Promise((resolve) => srv.close(resolve))));
    }
  }
  throw new Error(`no run of ${count} free ports found on 127.0.0.1`);
}

export async function startTestRegistry(opts: TestRegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'lkts-registry-'));
  const storageDir = join(dir, 'storage');
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: linuxkit-ts-test-secret',
  ];
  let tokenServer: TokenServer | undefined;
  if (opts.token) {
    tokenServer = await startTokenServer(dir, opts.auth);
    lines.push(
      'auth:',
      '  token:',
      `    realm: http://${tokenServer.host}/token`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${tokenServer.certFile}`,
    );
  }
  let certFile: string | undefined;
  if (opts.tls) {
    certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr || r.error}`);
    const at = lines.indexOf('  secret: linuxkit-ts-test-secret') + 1;
    lines.splice(at, 0, '  tls:', `    certificate: ${certFile}`, `    key: ${keyFile}`);
  }
  if (opts.auth && !opts.token) {
    const htpasswd = join(dir, 'htpasswd');
    const r = spawnSync('htpasswd', ['-Bbn', opts.auth.username, opts.auth.password], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr || r.error}`);
    writeFileSync(htpasswd, r.stdout);
    lines.push('auth:', '  htpasswd:', '    realm: linuxkit-ts-test', `    path: ${htpasswd}`);
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, lines.join('\n') + '\n');
  const logFd = openSync(join(dir, 'registry.log'), 'a');
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 15_000;
  child.on('exit', () => void tokenServer?.stop());
  while (!(await answers(port, Boolean(opts.tls)))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start on port ${port}; see ${join(dir, 'registry.log')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`,
    port,
    storageDir,
    dir,
    ...(certFile ? { certFile } : {}),
    ...(tokenServer ? { tokenRequests: tokenServer.requests } : {}),
    async stop() {
      await tokenServer?.stop();
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function answers(port: number, tls: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const opts = { host: '127.0.0.1', port, path: '/v2/', method: 'GET', timeout: 1000, rejectUnauthorized: false };
    const req = (tls ? httpsRequest : request)(opts, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

// ---- test images, made on the spot (no network) ----

export interface TestPlatformImage {
  architecture: string;
  variant?: string;
  /** Sizes in bytes of each layer's one file of random (incompressible) bytes. */
  layers: number[];
}

/**
 * Writes an OCI image layout at `dir` holding one image tagged `tag`: a multi-platform index
 * when several platforms are given (or `index` is set), else a single manifest. Layers are
 * gzip tars of random bytes, so every image is distinct. Returns the root descriptor.
 */
export async function writeTestLayout(
  dir: string,
  tag: string,
  platforms: TestPlatformImage[],
  opts: { index?: boolean; attestation?: boolean } = {},
): Promise<Descriptor> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const put = async (data: Buffer): Promise<string> => {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return digest;
  };
  const manifests: Descriptor[] = [];
  for (const p of platforms) {
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    for (const [i, size] of p.layers.entries()) {
      const tar = await tarOf(`file-${p.architecture}-${i}`, randomBytes(size));
      diffIds.push(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
      const gz = gzipSync(tar, { level: 1 });
      layers.push({ mediaType: MediaType.ociLayerGzip, digest: await put(gz), size: gz.length });
    }
    const config = Buffer.from(
      JSON.stringify({
        architecture: p.architecture,
        os: 'linux',
        ...(p.variant ? { variant: p.variant } : {}),
        config: { Cmd: ['/bin/true'] },
        rootfs: { type: 'layers', diff_ids: diffIds },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: await put(config), size: config.length },
        layers,
      }),
    );
    manifests.push({
      mediaType: MediaType.ociManifest,
      digest: await put(manifest),
      size: manifest.length,
      platform: { architecture: p.architecture, os: 'linux', ...(p.variant ? { variant: p.variant } : {}) },
    });
  }
  if (opts.attestation) {
    // BuildKit-style: an unknown/unknown manifest describing the first image.
    const body = Buffer.from('{"_type":"https://in-toto.io/Statement/v0.1"}');
    const config = Buffer.from('{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}');
    const m = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: await put(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.in-toto+json', digest: await put(body), size: body.length }],
      }),
    );
    manifests.push({
      mediaType: MediaType.ociManifest,
      digest: await put(m),
      size: m.length,
      platform: { architecture: 'unknown', os: 'unknown' },
      annotations: { 'vnd.docker.reference.digest': manifests[0]!.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
    });
  }
  let root: Descriptor;
  if (manifests.length === 1 && !opts.index) {
    const { platform: _p, ...rest } = manifests[0]!;
    root = rest;
  } else {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests }));
    root = { mediaType: MediaType.ociIndex, digest: await put(index), size: index.length };
  }
  const entry = { ...root, annotations: { [REF_NAME_ANNOTATION]: tag } };
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
  return root;
}

function tarOf(name: string, content: Buffer): Promise<Buffer> {
  return tarBuffer([{ header: { name, size: content.length, mode: 0o644, mtime: new Date(0) }, data: content }]);
}

/** Where the registry keeps a blob's bytes (to spoil them behind its back, in fault tests). */
export function registryBlobFile(reg: Pick<TestRegistry, 'storageDir'>, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(reg.storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

/** Runs skopeo with TLS verification off (the test registry is plain HTTP). */
export function skopeo(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync('skopeo', args, { encoding: 'utf8', env: { ...process.env, ...opts.env } });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

// ---- a fault-injecting HTTP proxy in front of a test registry ----

/** What to do to one request: answer with a status, reset the connection mid-body, or pass. */
export type Fault = { status: number; headers?: Record<string, string> } | { resetAfterBytes: number };

export interface FaultProxyOptions {
  /** Faults applied, in order, to requests whose method and path match. */
  faults?: Array<{ method?: string; path: RegExp; fault: Fault; times?: number }>;
  /** Throttle response bodies to this many bytes per second. */
  bytesPerSecond?: number;
}

export interface FaultProxy {
  host: string;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  stop(): Promise<void>;
}

/** An HTTP proxy on 127.0.0.1 forwarding to `target` (host:port), injecting faults. */
export async function startFaultProxy(target: string, opts: FaultProxyOptions = {}): Promise<FaultProxy> {
  const [thost, tport] = target.split(':');
  const rules = (opts.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1 }));
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(`${req.method} ${path}`);
    const rule = rules.find((r) => r.left > 0 && (!r.method || r.method === req.method) && r.path.test(path));
    if (rule) rule.left--;
    const fault = rule?.fault;
    if (fault && 'status' in fault) {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify({ errors: [{ code: 'INJECTED', message: `injected HTTP ${fault.status}` }] }));
      return;
    }
    const up = request({ host: thost, port: Number(tport), method: req.method, path, headers: req.headers }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      let sent = 0;
      const started = Date.now();
      ures.on('data', (chunk: Buffer) => {
        if (fault && 'resetAfterBytes' in fault && sent + chunk.length > fault.resetAfterBytes) {
          res.write(chunk.subarray(0, Math.max(0, fault.resetAfterBytes - sent)));
          ures.destroy();
          res.socket?.destroy();
          return;
        }
        sent += chunk.length;
        const ok = res.write(chunk);
        if (opts.bytesPerSecond) {
          const due = started + (sent / opts.bytesPerSecond) * 1000 - Date.now();
          if (due > 0) {
            ures.pause();
            setTimeout(() => ures.resume(), due);
          }
        } else if (!ok) {
          ures.pause();
          res.once('drain', () => ures.resume());
        }
      });
      ures.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return listening(server, seen);
}

// ---- a token service (the distribution token spec), for the bearer flow ----

const TOKEN_SERVICE = 'linuxkit-ts-test-registry';
const TOKEN_ISSUER = 'linuxkit-ts-test-issuer';

interface TokenServer {
  host: string;
  certFile: string;
  requests: string[];
  stop(): Promise<void>;
}

/**
 * Issues RS256 JWTs that docker-registry's `auth: token` accepts: signed by a key whose
 * self-signed certificate is the registry's rootcertbundle and travels in the `x5c` header.
 * Grants every scope asked for, to anyone (or only to `auth`'s user when given).
 */
async function startTokenServer(dir: string, auth?: { username: string; password: string }): Promise<TokenServer> {
  const certFile = join(dir, 'token-cert.pem');
  const keyFile = join(dir, 'token-key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=token', '-keyout', keyFile, '-out', certFile], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr || r.error}`);
  const key = createPrivateKey(readFileSync(keyFile));
  const x5c = [new X509Certificate(readFileSync(certFile)).raw.toString('base64')];
  const requests: string[] = [];
  const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    let user = 'anonymous';
    const h = req.headers.authorization;
    if (h?.startsWith('Basic ')) user = Buffer.from(h.slice(6), 'base64').toString('utf8');
    requests.push(`${user.split(':')[0]} ${scopes.join(' ')}`);
    if (auth && user !== `${auth.username}:${auth.password}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop()!.split(',');
      return { type, name: rest.join(':'), actions };
    });
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c }));
    const claims = b64url(
      JSON.stringify({
        iss: TOKEN_ISSUER,
        sub: user.split(':')[0],
        aud: TOKEN_SERVICE,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    const signature = b64url(createSign('RSA-SHA256').update(`${header}.${claims}`).sign(key));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${signature}`, expires_in: 300 }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let stopped = false;
  return {
    host: `127.0.0.1:${port}`,
    certFile,
    requests,
    stop: () =>
      new Promise<void>((ok) => {
        if (stopped) return ok();
        stopped = true;
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * skopeo without blocking the event loop: needed when a server in this process (the token
 * service) must answer skopeo while it runs.
 */
export function skopeoAsync(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('skopeo', args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`skopeo ${args.join(' ')} failed: ${err}`))));
  });
}

// ---- a crafted registry: answers whatever a test tells it to, or nothing at all ----

/** One answer of a crafted registry: a response, silence, or headers and some body then silence. */
export type CraftedAnswer =
  | { status?: number; headers?: Record<string, string>; body?: Buffer | string }
  | { stall: true }
  | { stallAfter: Buffer; headers?: Record<string, string>; contentLength: number };

export interface CraftedRegistry {
  host: string;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  stop(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 playing a hostile or broken registry: `answer` decides each
 * request (undefined: 404); `GET /v2/` answers 200 unless `answer` says otherwise. Manifests
 * are served with their `mediaType` as content type when the body names one.
 */
export async function startCraftedRegistry(answer: (method: string, path: string) => CraftedAnswer | undefined): Promise<CraftedRegistry> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(`${req.method} ${path}`);
    req.resume();
    const a = answer(req.method ?? 'GET', path) ?? (path === '/v2/' ? { status: 200, body: '{}' } : { status: 404, body: '{"errors":[{"code":"NOT_FOUND"}]}' });
    if ('stall' in a) return; // the socket stays open, silent, until stop()
    if ('stallAfter' in a) {
      res.writeHead(200, { 'content-length': String(a.contentLength), ...a.headers });
      res.write(a.stallAfter);
      return;
    }
    const body = typeof a.body === 'string' ? Buffer.from(a.body) : (a.body ?? Buffer.alloc(0));
    let type = 'application/octet-stream';
    try {
      type = (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ?? 'application/json';
    } catch {
      // not JSON: a blob
    }
    res.writeHead(a.status ?? 200, { 'content-type': type, 'content-length': String(body.length), ...a.headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return listening(server, seen);
}

/** A TCP server on 127.0.0.1 that accepts every connection and never sends a byte. */
export async function startSilentServer(): Promise<CraftedRegistry> {
  const seen: string[] = [];
  const server = createNetServer((socket) => {
    seen.push('connection');
    socket.on('error', () => {});
  });
  return listening(server, seen);
}

/** Listens on a free port of 127.0.0.1; stop() cuts every open connection, silent ones too. */
async function listening(server: HttpServer | NetServer, seen: string[]): Promise<CraftedRegistry> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
