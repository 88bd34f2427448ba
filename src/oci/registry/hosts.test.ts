// Endpoints: Docker Hub's API host, mirrors as LinuxKit parses them, and when plain HTTP is allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hosts, insecureFromEnv, isLoopback, parseMirrors } from './hosts.js';
import { selectManifests, platformlessManifests } from './platform.js';
import { parsePlatform } from '../cache/platform.js';
import { MediaType, type ImageIndex } from '../types.js';
import { UserError } from '../../util/index.js';

test("loopback hosts (Docker's default insecure registries)", () => {
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1', '127.0.0.1:5000', '127.1.2.3:80', '[::1]:5000', '[::1]', 'LOCALHOST:1'])
    assert.equal(isLoopback(h), true, h);
  for (const h of ['docker.io', '10.0.0.1:5000', '128.0.0.1', 'localhost.example.com', '[::2]:5000', '127.0.0.1.nip.io']) assert.equal(isLoopback(h), false, h);
});

test('endpoints: Docker Hub, https only unless loopback or named insecure', () => {
  const hosts = new Hosts(new Map(), ['my.registry:5000']);
  assert.deepEqual(hosts.endpoint('docker.io', 'pull'), { domain: 'docker.io', host: 'registry-1.docker.io', prefix: '', schemes: ['https'], mirror: false });
  assert.deepEqual(hosts.endpoint('ghcr.io', 'pull').schemes, ['https']);
  assert.deepEqual(hosts.endpoint('localhost:5000', 'pull').schemes, ['https', 'http']);
  assert.deepEqual(hosts.endpoint('my.registry:5000', 'push').schemes, ['https', 'http']);
  assert.deepEqual(insecureFromEnv({ LINUXKIT_INSECURE_REGISTRIES: 'a:1, b c' }), ['a:1', 'b', 'c']);
});

test('mirrors: env first, flags win, docker.io covers its aliases, * covers the rest', () => {
  const m = parseMirrors(['docker.io=https://hub-mirror.example/prefix/', 'http://all.example'], {
    LINUXKIT_MIRROR: 'docker.io=http://old.example,quay.io=https://q.example',
  });
  assert.equal(m.get('docker.io'), 'https://hub-mirror.example/prefix/');
  assert.equal(m.get('index.docker.io'), 'https://hub-mirror.example/prefix/');
  assert.equal(m.get('registry-1.docker.io'), 'https://hub-mirror.example/prefix/');
  assert.equal(m.get('quay.io'), 'https://q.example');
  assert.equal(m.get('*'), 'http://all.example');
  const hosts = new Hosts(m);
  assert.deepEqual(hosts.endpoint('docker.io', 'pull'), {
    domain: 'docker.io',
    host: 'hub-mirror.example',
    prefix: 'prefix',
    schemes: ['https'],
    mirror: true,
  });
  assert.deepEqual(hosts.endpoint('ghcr.io', 'pull').schemes, ['http']);
  assert.equal(hosts.endpoint('ghcr.io', 'pull').host, 'all.example');
  // Pushes go to the registry named, never to a mirror.
  assert.equal(hosts.endpoint('docker.io', 'push').host, 'registry-1.docker.io');
  assert.throws(() => parseMirrors(['docker.io=mirror.example'], {}), /must start with http:\/\/ or https:\/\//);
});

const D = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    { mediaType: MediaType.ociManifest, digest: D(1), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: MediaType.ociManifest, digest: D(2), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { mediaType: MediaType.ociManifest, digest: D(3), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { mediaType: MediaType.ociManifest, digest: D(4), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { mediaType: MediaType.ociManifest, digest: D(5), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
    { mediaType: MediaType.ociManifest, digest: D(6), size: 1 },
  ],
};

test('platform selection', () => {
  const pick = (...p: string[]): string[] => selectManifests(index, p.map(parsePlatform), 'img').map((d) => d.digest);
  assert.deepEqual(pick('amd64'), [D(1)]);
  assert.deepEqual(pick('x86_64'), [D(1)]);
  assert.deepEqual(pick('arm64'), [D(4)]);
  assert.deepEqual(pick('linux/arm64/v8'), [D(4)]);
  assert.deepEqual(pick('linux/arm/v7'), [D(3)]);
  assert.deepEqual(pick('arm'), [D(2)]);
  assert.deepEqual(pick('amd64', 'arm64', 'amd64'), [D(1), D(4)]);
  assert.throws(
    () => pick('riscv64', 'amd64', 's390x'),
    (e: unknown) =>
      e instanceof UserError &&
      e.message === 'image img has no manifest for platform linux/riscv64, linux/s390x; available: linux/amd64, linux/arm/v6, linux/arm/v7, linux/arm64/v8',
  );
  assert.deepEqual(
    platformlessManifests(index).map((d) => d.digest),
    [D(5), D(6)],
  );
});
