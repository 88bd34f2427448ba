// The docker format against a real dockerd (test/fixtures/dockerd.ts): NAME.docker is what
// LinuxKit's docker output is, a `docker build -` context (the root tar with LinuxKit's
// Dockerfile: FROM scratch, COPY . ./, ENTRYPOINT /bin/rc.init), not a `docker load` archive.
// The image: busybox from the project's packages and a /bin/rc.init (a files: entry) that
// prints a marker; built with `docker build -` (gzipped, see below), its filesystem read back with `docker export`,
// and run with `docker run` (no network: the test's dockerd has no bridge).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { startDockerd, stopDockerd, type Dockerd } from './fixtures/dockerd.js';
import { tempDir } from './fixtures/boot.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

const tmp = tempDir('formats-docker');
const cache = join(tmp, 'cache');
const MARKER = 'DOCKER-FORMAT-OK';
const TAG = 'lktest/docker-format:1';

describe('docker format: built, exported and run by a real dockerd', { timeout: 600_000 }, () => {
  const dir = mkdtempSync('/tmp/lkf-'); // short: containerd's socket path must fit in sun_path
  let engine: Dockerd | string = 'not started';
  const docker = (args: string[], input?: Buffer) =>
    spawnSync('docker', args, { env: { ...process.env, DOCKER_HOST: (engine as Dockerd).host }, input, maxBuffer: 1 << 28 });
  const skip = (t: { skip(msg: string): void }): boolean => {
    if (typeof engine === 'string') t.skip(engine);
    return typeof engine === 'string';
  };

  before(async () => {
    const { refs } = await buildProjectPackages(cache, ['busybox']);
    assert.ok(refs.get('busybox'));
    const yml = join(tmp, 'docker.yml');
    writeFileSync(
      yml,
      `init:\n  - "@pkg:${join(ROOT, 'pkg', 'busybox')}"\nfiles:\n  - path: bin/rc.init\n    contents: |\n      #!/bin/sh\n      echo "${MARKER}" "$@"\n    mode: "0755"\n`,
    );
    const b = runCli(['--cache', cache, 'build', '--dir', tmp, '--name', 'img', '-f', 'docker', yml]);
    assert.equal(b.status, 0, b.stderr);
    engine = await startDockerd(dir);
  });
  after(async () => {
    await stopDockerd(engine);
    rmSync(dir, { recursive: true, force: true });
  });

  it('docker build - of NAME.docker (gzipped) makes an image whose filesystem is the root (docker export)', (t) => {
    if (skip(t)) return;
    // Gzipped: the docker CLI takes stdin for a tar context only if its first 512 bytes parse as a
    // whole tar header, and this tar (as LinuxKit's, whose entries carry LINUXKIT.* PAX records)
    // starts with a PAX extended header; compressed input is taken as an archive by its magic.
    const b = docker(['build', '-t', TAG, '-'], gzipSync(readFileSync(join(tmp, 'img.docker'))));
    assert.equal(b.status, 0, b.stderr.toString());
    const c = docker(['create', TAG]);
    assert.equal(c.status, 0, c.stderr.toString());
    const id = c.stdout.toString().trim();
    const exported = join(tmp, 'exported.tar');
    const e = docker(['export', '-o', exported, id]);
    assert.equal(e.status, 0, e.stderr.toString());
    docker(['rm', id]);
    const names = new Set(
      execFileSync('tar', ['--warning=no-unknown-keyword', '-tf', exported], { encoding: 'utf8', maxBuffer: 1 << 26 })
        .split('\n')
        .map((n) => n.replace(/\/$/, '')),
    );
    for (const want of ['bin/busybox', 'bin/sh', 'bin/rc.init']) assert.ok(names.has(want), `the image holds ${want}`);
    const ours = new Set(
      execFileSync('tar', ['--warning=no-unknown-keyword', '-tf', join(tmp, 'img.docker')], { encoding: 'utf8', maxBuffer: 1 << 26 })
        .split('\n')
        .map((n) => n.replace(/\/$/, '')),
    );
    for (const n of ours) if (n && n !== 'Dockerfile') assert.ok(names.has(n), `the image holds the root's ${n}`);
    const inspect = docker(['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', TAG]);
    assert.equal(inspect.stdout.toString().trim(), '["/bin/rc.init"]');
  });

  it('docker run of the image runs its /bin/rc.init (the Dockerfile entrypoint), which prints the marker', (t) => {
    if (skip(t)) return;
    const r = docker(['run', '--rm', '--network', 'none', TAG, 'arg1']);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stdout.toString().trim(), `${MARKER} arg1`);
  });
});
