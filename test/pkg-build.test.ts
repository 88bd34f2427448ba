// `pkg build` of daemonless packages against the real host apt, read back by skopeo (an
// independent OCI reader). Downloads busybox-static (~1 MB) once into the .deb cache.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestRegistry } from '../src/oci/registry/testing.js';
import { runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pkg-build-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Index {
  manifests: Array<{ mediaType: string; digest: string; platform?: { os: string; architecture: string }; annotations?: Record<string, string> }>;
}

function blob(cache: string, digest: string): Buffer {
  return readFileSync(join(cache, 'blobs', 'sha256', digest.replace(/^sha256:/, '')));
}

/** Every file under `dir` with the sha256 of its bytes: a snapshot to compare. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(full).isDirectory()) {
        out.set(r + '/', 'dir');
        walk(full, r);
      } else out.set(r, createHash('sha256').update(readFileSync(full)).digest('hex'));
    }
  };
  walk(dir, '');
  return out;
}

function build(cache: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runCli(['--cache', cache, 'pkg', 'build', ...args]);
}

describe('pkg build (daemonless, Debian packages)', () => {
  const pkg = join(tmp, 'busybox');
  before(() => {
    mkdirSync(join(pkg, 'files'), { recursive: true });
    writeFileSync(
      join(pkg, 'build.yml'),
      [
        'image: busybox',
        'org: lktest',
        'debian:',
        '  packages: [busybox-static]',
        'copy:',
        '  - {src: files/hello, dst: /etc/hello}',
        '  - {src: files/init, dst: /init, mode: "0700"}',
        'remove: [usr/share]',
        'symlinks: [{path: /bin/sh, target: busybox}]',
        'entrypoint: [/bin/sh, -c]',
        'cmd: [echo hello]',
        'config:',
        '  binds: [/etc/resolv.conf:/etc/resolv.conf]',
        '',
      ].join('\n'),
    );
    writeFileSync(join(pkg, 'files', 'hello'), 'hello\n');
    writeFileSync(join(pkg, 'files', 'init'), '#!/bin/sh\nexec /bin/sh\n');
  });

  it('builds the same image twice, byte for byte, readable by skopeo, with an SBOM', () => {
    const tag = runCli(['pkg', 'show-tag', '--canonical', pkg]).stdout.trim();
    const caches = [join(tmp, 'cache1'), join(tmp, 'cache2')];
    const digests = caches.map((cache) => {
      const r = build(cache, [pkg]);
      assert.equal(r.status, 0, r.stderr);
      const [ref, digest, size] = r.stdout.trim().split(' ');
      assert.equal(ref, tag);
      assert.match(digest!, /^sha256:[0-9a-f]{64}$/);
      assert.ok(Number(size) > 500_000, `layer size ${size}`);
      assert.match(r.stderr, /pkg: 1 Debian packages: busybox-static=/);
      return digest;
    });
    assert.equal(digests[0], digests[1], 'two builds from the same inputs give the same index digest');
    assert.deepEqual(snapshot(caches[0]!), snapshot(caches[1]!), 'and the same blobs and index.json');

    // Already cached: skipped unless --force, which rebuilds to the same digest.
    const again = build(caches[0]!, [pkg]);
    assert.match(again.stdout, /\(cached\)/);
    assert.match(again.stderr, /already in the cache/);
    const forced = build(caches[0]!, ['--force', pkg]);
    assert.equal(forced.stdout.split(' ')[1], digests[0]);

    // skopeo reads it from the OCI layout by its reference name.
    const inspect = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${caches[0]}:${tag}`], { encoding: 'utf8' })) as {
      Architecture: string;
      Os: string;
      Labels: Record<string, string>;
      Layers: string[];
    };
    assert.equal(inspect.Architecture, 'amd64');
    assert.equal(inspect.Os, 'linux');
    assert.deepEqual(JSON.parse(inspect.Labels['org.mobyproject.config']!), { binds: ['/etc/resolv.conf:/etc/resolv.conf'] });
    assert.equal(inspect.Layers.length, 1);
    const cfg = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci:${caches[0]}:${tag}`], { encoding: 'utf8' })) as {
      config: { Entrypoint: string[]; Cmd: string[]; Env: string[] };
    };
    assert.deepEqual(cfg.config.Entrypoint, ['/bin/sh', '-c']);
    assert.deepEqual(cfg.config.Cmd, ['echo hello']);

    // The layer: sorted, root-owned, epoch mtimes, edits applied.
    const layerFile = join(tmp, 'layer.tar.gz');
    writeFileSync(layerFile, blob(caches[0]!, inspect.Layers[0]!));
    const listing = execFileSync('tar', ['-tvzf', layerFile, '--numeric-owner', '--full-time'], { encoding: 'utf8' }).trim().split('\n');
    const names = listing.map((l) => l.split(/\s+/)[5]!);
    assert.deepEqual(
      [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
      names,
      'entries are sorted',
    );
    assert.ok(
      listing.every((l) => / 0\/0 /.test(l) && / 1970-01-01 00:00:00 /.test(l)),
      listing.join('\n'),
    );
    assert.ok(names.includes('bin/busybox'));
    assert.ok(listing.some((l) => /^lrwxrwxrwx .* bin\/sh -> busybox$/.test(l)));
    assert.ok(listing.some((l) => /^-rwx------ .* init$/.test(l)));
    assert.ok(listing.some((l) => /^-rw-r--r-- .* etc\/hello$/.test(l)));
    assert.ok(!names.some((n) => n.startsWith('usr/share')), 'removed paths are gone');

    // The SBOM: an attestation manifest for the image, as LinuxKit's build looks for it.
    const index = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', `oci:${caches[0]}:${tag}`], { encoding: 'utf8' })) as Index;
    const image = index.manifests.find((m) => m.platform?.architecture === 'amd64')!;
    const att = index.manifests.find((m) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')!;
    assert.equal(att.annotations!['vnd.docker.reference.digest'], image.digest);
    assert.deepEqual(att.platform, { architecture: 'unknown', os: 'unknown' });
    const attManifest = JSON.parse(blob(caches[0]!, att.digest).toString()) as {
      layers: Array<{ mediaType: string; digest: string; annotations: Record<string, string> }>;
    };
    assert.equal(attManifest.layers[0]!.mediaType, 'application/vnd.in-toto+json');
    assert.equal(attManifest.layers[0]!.annotations['in-toto.io/predicate-type'], 'https://spdx.dev/Document');
    const statement = JSON.parse(blob(caches[0]!, attManifest.layers[0]!.digest).toString()) as {
      predicateType: string;
      subject: Array<{ digest: { sha256: string } }>;
      predicate: { spdxVersion: string; packages: Array<{ name: string; versionInfo: string }> };
    };
    assert.equal(statement.predicateType, 'https://spdx.dev/Document');
    assert.equal(`sha256:${statement.subject[0]!.digest.sha256}`, image.digest);
    assert.equal(statement.predicate.spdxVersion, 'SPDX-2.3');
    const version = execFileSync('apt-cache', ['show', '--no-all-versions', 'busybox-static'], { encoding: 'utf8' }).match(/^Version: (.+)$/m)![1];
    assert.deepEqual(
      statement.predicate.packages.map((p) => [p.name, p.versionInfo]),
      [['busybox-static', version]],
    );
  });

  it('pushes (pkg push = build + push) to a real registry, read back by skopeo', async () => {
    const reg = await startTestRegistry();
    try {
      const cache = join(tmp, 'cache-push');
      const org = `${reg.host}/lktest`;
      const r = runCli(['--cache', cache, 'pkg', 'push', '--org', org, pkg]);
      assert.equal(r.status, 0, r.stderr);
      const [ref, digest] = r.stdout.trim().split(' ');
      assert.ok(ref!.startsWith(`${org}/busybox:`), ref);
      assert.match(r.stderr, /pkg: pushed /);
      const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
      assert.equal(`sha256:${createHash('sha256').update(raw).digest('hex')}`, digest, 'the registry serves the same index');
      const inspect = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${ref}`], { encoding: 'utf8' })) as {
        Architecture: string;
      };
      assert.equal(inspect.Architecture, 'amd64');
      // pkg manifest pushes the cached index again.
      const m = runCli(['--cache', cache, 'pkg', 'manifest', '--org', org, pkg]);
      assert.equal(m.status, 0, m.stderr);
      assert.match(m.stdout, /Updating index for/);
      // remote-tag: the same index under another tag of the repository.
      const v1 = `${org}/busybox:v1`;
      const t = runCli(['pkg', 'remote-tag', ref!, v1]);
      assert.equal(t.status, 0, t.stderr);
      const rawV1 = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${v1}`]);
      assert.equal(`sha256:${createHash('sha256').update(rawV1).digest('hex')}`, digest);
      assert.match(runCli(['pkg', 'remote-tag', ref!, v1]).stderr, /identical .* skipping/);
      // A dirty package is built but not pushed.
      const d = runCli(['--cache', cache, 'pkg', 'push', '--force-dirty', '--org', org, pkg]);
      assert.equal(d.status, 1);
      assert.match(d.stderr, /refusing to push dirty package/);
    } finally {
      await reg.stop();
    }
  });

  it('names a Debian package that does not exist, and leaves the cache unchanged', () => {
    const cache = join(tmp, 'cache-missing');
    assert.equal(build(cache, [pkg]).status, 0);
    const beforeSnap = snapshot(cache);
    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'build.yml'), 'image: bad\ndebian:\n  packages: [busybox-static, no-such-package-lktest]\n');
    const r = build(cache, [bad]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /error: Debian package not found by apt for amd64: no-such-package-lktest/);
    assert.doesNotMatch(r.stderr, /at .*\.js/, 'no stack trace');
    assert.deepEqual(snapshot(cache), beforeSnap);
  });

  it('refuses a Dockerfile package clearly when no engine answers', () => {
    const dir = join(tmp, 'dockerfile');
    mkdirSync(dir);
    writeFileSync(join(dir, 'build.yml'), 'image: fromdocker\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    const r = runCli(['--cache', join(tmp, 'cache-docker'), 'pkg', 'build', dir], {
      env: { DOCKER_HOST: `unix://${join(tmp, 'no-docker.sock')}` },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /needs a Docker\/BuildKit engine, and none answers/);
    assert.match(r.stderr, /debian:/);
  });

  it('refuses an architecture the host apt does not have', () => {
    const r = build(join(tmp, 'cache-arch'), ['--platforms', 'linux/riscv64', pkg]);
    const foreign = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' }).stdout;
    if (foreign.includes('riscv64')) return; // this host could build it
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot build for riscv64 from Debian packages: the host's apt only has/);
  });
});
