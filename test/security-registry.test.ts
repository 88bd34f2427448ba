// Hostile and broken registries (issue 12, item 7): a real HTTP server on 127.0.0.1 serves
// crafted manifests and indexes, or nothing at all. Each test is one class of attack with its
// variants; each checks the error, the requests the registry saw (no hostile digest ever
// reaches a URL) and that nothing was written anywhere: no tag, no blob, no temp file, no file
// outside the cache. docs/security.md, section 7, describes the classes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pullImage, type PullOptions } from '../src/oci/pull.js';
import { LayoutStore } from '../src/oci/cache/index.js';
import { importImages } from '../src/oci/cache/import.js';
import { MediaType } from '../src/oci/types.js';
import { startCraftedRegistry, startSilentServer, type CraftedAnswer, type CraftedRegistry } from '../src/oci/registry/testing.js';
import { UserError } from '../src/util/errors.js';
import { tarStream } from './fixtures/tar.js';
import { CLI, runAsync } from './helpers.js';

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'lkts-sec-registry-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

// ---- crafted images: plain JSON and bytes, served by digest ----

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  body: Buffer;
}

function blob(mediaType: string, body: Buffer | object): Blob {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return { mediaType, digest: `sha256:${createHash('sha256').update(b).digest('hex')}`, size: b.length, body: b };
}

const desc = (b: Blob, extra: object = {}) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size, ...extra });
const AMD64 = { architecture: 'amd64', os: 'linux' };

/** A valid one-layer amd64 image: its manifest, and the config and layer it names. */
function image(): { manifest: Blob; config: Blob; layer: Blob } {
  const layer = blob(MediaType.ociLayerGzip, randomBytes(2000));
  const config = blob(MediaType.ociConfig, { ...AMD64, rootfs: { type: 'layers', diff_ids: [layer.digest] } });
  const manifest = blob(MediaType.ociManifest, { schemaVersion: 2, mediaType: MediaType.ociManifest, config: desc(config), layers: [desc(layer)] });
  return { manifest, config, layer };
}

/**
 * A registry serving `tag` as `root` (any JSON, so it can be hostile) and every blob by digest,
 * under /v2/evil/img/. `answers` overrides single paths.
 */
async function serve(root: object, blobs: Blob[], answers: Record<string, CraftedAnswer> = {}, headers: Record<string, string> = {}): Promise<CraftedRegistry> {
  const byDigest = new Map(blobs.map((b) => [b.digest, b.body]));
  return startCraftedRegistry((_method, path) => {
    if (answers[path]) return answers[path];
    if (path === '/v2/evil/img/manifests/v1') return { body: JSON.stringify(root), headers };
    const m = /^\/v2\/evil\/img\/(?:manifests|blobs)\/(.+)$/.exec(path);
    const body = m && byDigest.get(decodeURIComponent(m[1]!));
    return body ? { body } : undefined;
  });
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

interface Expect {
  pull?: PullOptions;
  /** Requests allowed besides GET /v2/ and the tag's manifest. */
  allowed?: string[];
  /** Verified blobs the failed pull may keep (fetched before the failure, as after a kill). */
  mayKeep?: string[];
}

/**
 * Pulls `${reg}/evil/img:v1` into a fresh cache inside a fresh sandbox dir, expecting `error`.
 * Then checks: nothing tagged, no blob (but `mayKeep`) and no temp file in the cache, nothing
 * else in the sandbox, and every request the registry saw is allowed.
 */
async function refused(reg: CraftedRegistry, error: RegExp, x: Expect = {}): Promise<void> {
  const sandbox = mkdtempSync(join(work, 'sandbox-'));
  const store = await LayoutStore.open(join(sandbox, 'cache'));
  const before = filesUnder(sandbox);
  await assert.rejects(pullImage(`${reg.host}/evil/img:v1`, store, { arch: 'amd64', ...x.pull }), (e: unknown) => {
    assert.ok(e instanceof UserError, `a UserError: ${String(e)}`);
    assert.match(e.message, error);
    return true;
  });
  assert.deepEqual(await store.list(), [], 'nothing tagged');
  const kept = (x.mayKeep ?? []).map((d) => `cache/blobs/sha256/${d.slice(7)}`);
  const now = filesUnder(sandbox).filter((f) => !kept.includes(f));
  assert.deepEqual(now, before, 'no blob, no temp file, nothing outside the cache');
  const allowed = x.allowed ?? [];
  const expected = new Set(['GET /v2/', 'GET /v2/evil/img/manifests/v1', ...allowed]);
  for (const r of reg.seen) assert.ok(expected.has(r), `unexpected request ${r}`);
  for (const r of reg.seen) assert.doesNotMatch(r, /\.\.|%2e/i, 'no hostile digest in a URL');
}

describe('7a. digests, media types and sizes from a registry are checked before use', () => {
  const { manifest, config, layer } = image();
  const index = (entry: object) => ({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...desc(manifest, { platform: AMD64 }), ...entry }] });
  const single = (layers: object[], cfg: object = desc(config)) => ({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: cfg, layers });
  const hostileChild = blob(MediaType.ociManifest, single([{ ...desc(layer), digest: 'sha256:../..' }]));
  const cases: Array<{ name: string; root: object; error: RegExp; headers?: Record<string, string>; allowed?: string[] }> = [
    {
      name: 'index entry: path traversal',
      root: index({ digest: 'sha256:../../../../etc/passwd' }),
      error: /index of .*evil\/img:v1 from .*: manifests\[0\]: digest "sha256:\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is not algorithm:encoded/,
    },
    {
      name: 'index entry: "sha256:../.."',
      root: index({ digest: 'sha256:../..' }),
      error: /manifests\[0\]: digest "sha256:\.\.\/\.\." is not algorithm:encoded/,
    },
    {
      name: 'index entry: upper-case hex',
      root: index({ digest: manifest.digest.toUpperCase().replace('SHA256', 'sha256') }),
      error: /manifests\[0\]: digest "sha256:[0-9A-F]+" is not sha256:<64 lowercase hex digits>/,
    },
    { name: 'index entry: short hex', root: index({ digest: manifest.digest.slice(0, -1) }), error: /is not sha256:<64 lowercase hex digits>/ },
    {
      name: 'index entry: unknown algorithm',
      root: index({ digest: `md5:${'a'.repeat(32)}` }),
      error: /uses an unsupported algorithm \(only sha256, sha512\)/,
    },
    {
      name: 'index entry: media type with a header injection',
      root: index({ mediaType: 'application/json\r\nX-Evil: 1' }),
      error: /manifests\[0\]: media type "application\/json\\r\\nX-Evil: 1" is not type\/subtype/,
    },
    {
      name: 'index entry: media type with a path',
      root: index({ mediaType: '../../etc/passwd' }),
      error: /media type "\.\.\/\.\.\/etc\/passwd" is not type\/subtype/,
    },
    { name: 'index entry: negative size', root: index({ size: -1 }), error: /manifests\[0\]: size -1 is not a non-negative integer/ },
    { name: 'index entry: fractional size', root: index({ size: 1.5 }), error: /size 1\.5 is not/ },
    { name: 'index entry: size as a string', root: index({ size: '12' }), error: /size "12" is not/ },
    { name: 'index entry: size beyond 2^53', root: index({ size: 2 ** 60 }), error: /size 1152921504606847000 is not/ },
    {
      name: 'index entry: not an object',
      root: { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: ['sha256:../..'] },
      error: /manifests\[0\]: not a descriptor object/,
    },
    {
      name: 'manifest: layer path traversal',
      root: single([{ ...desc(layer), digest: 'sha256:../../../../tmp/x' }]),
      error: /manifest of .*evil\/img:v1 from .*: layers\[0\]: digest "sha256:\.\.\/\.\.\/\.\.\/\.\.\/tmp\/x"/,
    },
    {
      name: 'manifest: config path traversal',
      root: single([desc(layer)], { ...desc(config), digest: 'sha256:../blobs' }),
      error: /: config: digest "sha256:\.\.\/blobs"/,
    },
    { name: 'manifest: layer size beyond 2^53', root: single([{ ...desc(layer), size: 2 ** 60 }]), error: /layers\[0\]: size 1152921504606847000/ },
    { name: 'manifest: its own media type is not one', root: { ...single([desc(layer)]), mediaType: 'x' }, error: /media type "x" is not type\/subtype/ },
    {
      name: 'a child manifest (fetched from a valid index) with a hostile layer digest',
      root: index(desc(hostileChild)),
      error: /manifest sha256:[0-9a-f]{64} of .* from .*: layers\[0\]: digest "sha256:\.\.\/\.\."/,
      allowed: [`GET /v2/evil/img/manifests/${hostileChild.digest}`],
    },
    {
      name: 'Docker-Content-Digest header: path traversal',
      root: single([desc(layer)]),
      headers: { 'docker-content-digest': 'sha256:../..' },
      error: /Docker-Content-Digest: digest "sha256:\.\.\/\.\."/,
    },
    {
      name: "Docker-Content-Digest header: another manifest's",
      root: single([desc(layer)]),
      headers: { 'docker-content-digest': layer.digest },
      error: /has digest sha256:[0-9a-f]{64}, expected sha256:/,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const reg = await serve(c.root, [manifest, hostileChild, config, layer], {}, c.headers);
      try {
        await refused(reg, c.error, { allowed: c.allowed ?? [] });
      } finally {
        await reg.stop();
      }
    });
  }

  test('a reference pinned to a hostile or unsupported digest makes no request for it', async () => {
    const reg = await serve(single([desc(layer)]), [config, layer]);
    try {
      const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
      await assert.rejects(pullImage(`${reg.host}/evil/img@sha384:${'a'.repeat(96)}`, store), /digest "sha384:a+…?" uses an unsupported algorithm/);
      assert.deepEqual(reg.seen, [], 'nothing asked of the registry');
    } finally {
      await reg.stop();
    }
  });
});

describe('7b. an index whose platform entry is itself an index fails the pull', () => {
  const { manifest, config, layer } = image();
  const inner = blob(MediaType.ociIndex, { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [desc(manifest, { platform: AMD64 })] });
  const outer = (entries: object[]) => ({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: entries });

  test('the entry for the platform asked for is an index: named, before anything is fetched', async () => {
    const reg = await serve(outer([desc(inner, { platform: AMD64 })]), [inner, manifest, config, layer]);
    try {
      await refused(
        reg,
        new RegExp(
          `image ${reg.host}/evil/img:v1: index entry manifests\\[0\\] for linux/amd64 \\(${inner.digest}\\) is itself an image index; nested indexes are not supported, nothing was stored`,
        ),
      );
    } finally {
      await reg.stop();
    }
  });

  test('an entry labelled "image manifest" whose body is an index', async () => {
    const reg = await serve(outer([{ ...desc(inner, { platform: AMD64 }), mediaType: MediaType.ociManifest }]), [inner, manifest, config, layer]);
    try {
      await refused(reg, /index entry manifests\[0\] for linux\/amd64 \(sha256:[0-9a-f]{64}\) is itself an image index/, {
        allowed: [`GET /v2/evil/img/manifests/${inner.digest}`],
      });
    } finally {
      await reg.stop();
    }
  });

  test('every platform (cache pull): an index of only nested indexes no longer "succeeds" with a broken image', async () => {
    const reg = await serve(outer([desc(inner, { platform: AMD64 }), desc(inner, { platform: { architecture: 'arm64', os: 'linux' } })]), [
      inner,
      manifest,
      config,
      layer,
    ]);
    try {
      await refused(reg, /index entry manifests\[0\] for linux\/amd64 .* is itself an image index/, { pull: { allPlatforms: true } });
    } finally {
      await reg.stop();
    }
  });

  test('a nested index for another platform: refused too, since the index is stored whole', async () => {
    const reg = await serve(outer([desc(manifest, { platform: AMD64 }), desc(inner, { platform: { architecture: 'arm64', os: 'linux' } })]), [
      inner,
      manifest,
      config,
      layer,
    ]);
    try {
      await refused(reg, /index entry manifests\[1\] for linux\/arm64 .* is itself an image index/);
    } finally {
      await reg.stop();
    }
  });
});

describe('7c. a registry that accepts the connection and never answers', () => {
  /** A watchdog that stopped working shows as these tests failing by name, not as a hung suite. */
  const BOUND = { timeout: 30_000 };
  const ENV = { LINUXKIT_REGISTRY_TIMEOUT: '1' };
  const STALL = /\(set LINUXKIT_REGISTRY_TIMEOUT=SECONDS to wait longer\)/;

  test('silent from the first byte (TCP accepted, nothing sent, https and http): bounded, named', BOUND, async () => {
    const srv = await startSilentServer();
    try {
      const started = Date.now();
      await refused(
        srv,
        new RegExp(
          `cannot reach registry ${srv.host} while fetching manifest of ${srv.host}/evil/img:v1 \\(its API root /v2/\\): accepted the connection but sent no answer for 1 s ${STALL.source}`,
        ),
        { pull: { registry: { env: ENV, backoffMs: 10 } }, allowed: ['connection'] },
      );
      const took = Date.now() - started;
      // https then http, each tried twice: four silences of 1 s, not 5 × 60 s.
      assert.ok(took >= 3500 && took < 10_000, `gave up after ${took} ms`);
    } finally {
      await srv.stop();
    }
  });

  test('answers /v2/ then says nothing about the manifest', BOUND, async () => {
    const reg = await startCraftedRegistry((_m, path) => (path.includes('/manifests/') ? { stall: true } : undefined));
    try {
      await refused(
        reg,
        new RegExp(
          `cannot reach registry ${reg.host} while fetching manifest of ${reg.host}/evil/img:v1: accepted the connection but sent no answer for 1 s ${STALL.source}`,
        ),
        {
          pull: { registry: { env: ENV, backoffMs: 10 } },
        },
      );
      assert.equal(reg.seen.filter((s) => s.includes('/manifests/')).length, 2, 'one retry, as for a refused connection');
    } finally {
      await reg.stop();
    }
  });

  test('stops sending in the middle of a layer: the blob is retried, then the pull fails; nothing kept', BOUND, async () => {
    const { manifest, config, layer } = image();
    const path = `/v2/evil/img/blobs/${layer.digest}`;
    const reg = await serve(JSON.parse(manifest.body.toString()), [config, layer], {
      [path]: { stallAfter: layer.body.subarray(0, 500), contentLength: layer.size },
    });
    try {
      await refused(
        reg,
        new RegExp(`download of blob ${layer.digest} of ${reg.host}/evil/img:v1 failed: ${reg.host} stopped sending for 1 s ${STALL.source}`),
        { pull: { registry: { env: ENV } }, allowed: [`GET ${path}`, `GET /v2/evil/img/blobs/${config.digest}`], mayKeep: [config.digest] },
      );
      assert.equal(reg.seen.filter((s) => s === `GET ${path}`).length, 3, 'three attempts at the blob');
    } finally {
      await reg.stop();
    }
  });

  test('on a terminal, `cache pull` shows a waiting line while the registry is silent', BOUND, async () => {
    const reg = await startCraftedRegistry((_m, path) => (path.includes('/manifests/') ? { stall: true } : undefined));
    try {
      const cache = mkdtempSync(join(work, 'tty-cache-'));
      const cmd = [process.execPath, CLI, '--cache', cache, 'cache', 'pull', `${reg.host}/evil/img:v1`].map((a) => `'${a}'`).join(' ');
      // script(1) gives the CLI a pseudo-terminal, so it behaves as in front of a user; run
      // without blocking this process, whose event loop is the registry.
      const r = await runAsync('script', ['-qefc', cmd, '/dev/null'], { env: { CI: '', LINUXKIT_REGISTRY_TIMEOUT: '2.5' } });
      assert.notEqual(r.status, 0);
      assert.match(
        r.stdout,
        new RegExp(`registry ${reg.host} \\(manifest of ${reg.host}/evil/img:v1\\): no answer for 1 s \\(an attempt gives up after 2.5 s of silence\\)`),
      );
      assert.match(r.stdout, /no answer for 2 s/);
      assert.match(r.stdout, new RegExp(`while fetching manifest of ${reg.host}/evil/img:v1: accepted the connection but sent no answer for 2.5 s`));
    } finally {
      await reg.stop();
    }
  });
});

describe("7d. cache import: descriptors in a tar's index.json are checked before use", () => {
  const { manifest, config, layer } = image();
  const entries = (index: object) =>
    tarStream([
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      ...[manifest, config, layer].map((b) => ({ name: `blobs/sha256/${b.digest.slice(7)}`, content: b.body })),
      { name: 'index.json', content: JSON.stringify(index) },
    ]);
  const named = { annotations: { 'io.containerd.image.name': 'docker.io/evil/img:v1' } };
  for (const [name, entry, error] of [
    [
      'path traversal',
      { ...desc(manifest), ...named, digest: 'sha256:../../../../etc/passwd' },
      /index\.json of the tar: manifests\[0\]: digest "sha256:\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is not algorithm:encoded/,
    ],
    ['media type with a newline', { ...desc(manifest), ...named, mediaType: 'application/x\nevil' }, /manifests\[0\]: media type "application\/x\\nevil"/],
    ['negative size', { ...desc(manifest), ...named, size: -5 }, /manifests\[0\]: size -5/],
  ] as const) {
    test(name, async () => {
      const sandbox = mkdtempSync(join(work, 'import-'));
      const store = await LayoutStore.open(join(sandbox, 'cache'));
      await assert.rejects(importImages(store, entries({ schemaVersion: 2, manifests: [entry] })), error);
      assert.deepEqual(await store.list(), [], 'nothing tagged');
      for (const f of filesUnder(sandbox)) assert.match(f, /^cache\/(blobs\/sha256\/[0-9a-f]{64}|index\.json|oci-layout|\.lock)$/, `only verified blobs: ${f}`);
    });
  }
});
