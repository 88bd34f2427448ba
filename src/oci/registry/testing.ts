// A real OCI registry for tests: Debian's docker-registry (distribution v2) on 127.0.0.1,
// on a free port, with its storage and config in a temp dir. Optional htpasswd basic auth.
// Not used by the CLI; lives in src/ so every part's tests can start one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export interface TestRegistryOptions {
  /** Require basic auth with this user and password (htpasswd, bcrypt). */
  auth?: { username: string; password: string };
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`, usable as the domain of a reference. */
  host: string;
  port: number;
  /** The registry's storage root (docker/registry/v2/…), for fault tests. */
  storageDir: string;
  /** The temp dir holding config, storage and the registry's log. */
  dir: string;
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
  if (opts.auth) {
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
  while (!(await answers(port))) {
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
    async stop() {
      if (!exited) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', method: 'GET', timeout: 1000 }, (res) => {
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
