// pushImage against a real registry, checked with skopeo as an independent client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullImage } from './pull.js';
import { pushImage } from './push.js';
import { LayoutStore } from './cache/index.js';
import { startTestRegistry, skopeo, writeTestLayout, type TestRegistry } from './registry/testing.js';
import type { ImageIndex } from './types.js';
import { UserError } from '../util/index.js';

let reg: TestRegistry;
let other: TestRegistry;
let work: string;
let multiDigest: string;
let singleDigest: string;

before(async () => {
  [reg, other] = await Promise.all([startTestRegistry(), startTestRegistry()]);
  work = mkdtempSync(join(tmpdir(), 'lkts-push-'));
  const multi = join(work, 'multi');
  multiDigest = (
    await writeTestLayout(multi, 'v1', [
      { architecture: 'amd64', layers: [50_000, 10_000] },
      { architecture: 'arm64', layers: [30_000] },
    ])
  ).digest;
  skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${multi}:v1`, `docker://${reg.host}/src/multi:v1`]);
  const single = join(work, 'single');
  singleDigest = (await writeTestLayout(single, 'v1', [{ architecture: 'amd64', layers: [300_000, 1_000] }])).digest;
  skopeo(['copy', '--dest-tls-verify=false', `oci:${single}:v1`, `docker://${reg.host}/src/single:v1`]);
});

after(async () => {
  await Promise.all([reg?.stop(), other?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

function remoteDigest(ref: string): string {
  const raw = skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

test('pushes a whole multi-arch image to another repository (blobs mounted) and another registry', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  const src = `${reg.host}/src/multi:v1`;
  await pullImage(src, store, { platforms: ['linux/amd64', 'linux/arm64'] });

  const same = await pushImage(src, store, `${reg.host}/dst/multi:v2`);
  assert.equal(same.pushed, true);
  assert.equal(same.digest, multiDigest);
  assert.equal(same.blobs.mounted, 5, 'cross-repository mounts for 3 layers + 2 configs');
  assert.equal(remoteDigest(`${reg.host}/dst/multi:v2`), multiDigest);

  const away = await pushImage(src, store, `${other.host}/dst/multi:v1`, { withArchTags: true });
  assert.equal(away.blobs.uploaded, 5);
  // skopeo can copy what we pushed, for every platform, into an OCI layout.
  const out = join(work, 'copied');
  skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${other.host}/dst/multi:v1`, `oci:${out}:v1`]);
  const idx = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as ImageIndex;
  assert.equal(idx.manifests[0]!.digest, multiDigest);

  const index = JSON.parse((await store.readBlob(multiDigest)).toString()) as ImageIndex;
  assert.equal(remoteDigest(`${other.host}/dst/multi:v1-amd64`), index.manifests[0]!.digest);
  assert.equal(remoteDigest(`${other.host}/dst/multi:v1-arm64`), index.manifests[1]!.digest);

  // Pushing the same again is a no-op unless overridden; then every blob already exists.
  assert.equal((await pushImage(src, store, `${other.host}/dst/multi:v1`)).pushed, false);
  const forced = await pushImage(src, store, `${other.host}/dst/multi:v1`, { override: true });
  assert.deepEqual(forced.blobs, { uploaded: 0, mounted: 0, existing: 5 });
});

test('chunked upload of a single-manifest image', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  await pullImage(`${reg.host}/src/single:v1`, store, { arch: 'amd64' });
  const r = await pushImage(`${reg.host}/src/single:v1`, store, `${other.host}/chunked/single:t`, { chunkSize: 64 * 1024 });
  assert.equal(r.blobs.uploaded, 3);
  assert.equal(remoteDigest(`${other.host}/chunked/single:t`), singleDigest);
  const out = join(work, 'single-copied');
  skopeo(['copy', '--src-tls-verify=false', `docker://${other.host}/chunked/single:t`, `oci:${out}:t`]);
});

test('an index whose other platforms are neither cached nor in the target is refused, naming them', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  await pullImage(`${reg.host}/src/multi:v1`, store, { arch: 'amd64' });
  await assert.rejects(
    pushImage(`${reg.host}/src/multi:v1`, store, `${other.host}/partial/multi:v1`),
    (e: unknown) => e instanceof UserError && /linux\/arm64/.test(e.message) && /pull the image for every platform/.test(e.message),
  );
});

test('an image not in the cache', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  await assert.rejects(pushImage('nothere:v1', store, `${other.host}/x:v1`), /docker\.io\/library\/nothere:v1 is not in the cache/);
});

test('mirrors are for pulls: a push goes to the registry named even with a mirror for all', async () => {
  const store = await LayoutStore.open(mkdtempSync(join(work, 'cache-')));
  await pullImage(`${reg.host}/src/single:v1`, store, { arch: 'amd64' });
  // Port 1 on loopback: nothing listens, so any request sent to the mirror would fail.
  const registry = { mirrors: ['http://127.0.0.1:1'] };
  const r = await pushImage(`${reg.host}/src/single:v1`, store, `${other.host}/mirrored/single:v1`, { registry });
  assert.equal(r.pushed, true);
  assert.equal(remoteDigest(`${other.host}/mirrored/single:v1`), singleDigest);
});
