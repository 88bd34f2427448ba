// pullImage against a real registry (Debian's docker-registry), fed by skopeo as an
// independent client, into the real cache (LayoutStore).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pullImage } from './pull.js';
import { LayoutStore, resolveImage } from './cache/index.js';
import { startTestRegistry, skopeo, writeTestLayout, type TestRegistry } from './registry/testing.js';
import { MediaType, REF_NAME_ANNOTATION, type ImageIndex } from './types.js';
import { UserError } from '../util/index.js';

let reg: TestRegistry;
let work: string;
let multiRoot: { digest: string };
let singleRoot: { digest: string };

async function freshStore(): Promise<LayoutStore> {
  return LayoutStore.open(mkdtempSync(join(work, 'cache-')));
}

before(async () => {
  reg = await startTestRegistry();
  work = mkdtempSync(join(tmpdir(), 'lkts-pull-'));
  const multi = join(work, 'multi');
  multiRoot = await writeTestLayout(
    multi,
    'v1',
    [
      { architecture: 'amd64', layers: [20_000, 30_000] },
      { architecture: 'arm64', variant: 'v8', layers: [40_000] },
    ],
    { attestation: true },
  );
  skopeo(['copy', '--all', '--dest-tls-verify=false', `oci:${multi}:v1`, `docker://${reg.host}/test/multi:v1`]);
  const single = join(work, 'single');
  singleRoot = await writeTestLayout(single, 'v1', [{ architecture: 'amd64', layers: [5_000] }]);
  skopeo(['copy', '--dest-tls-verify=false', `oci:${single}:v1`, `docker://${reg.host}/test/single:v1`]);
});

after(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('pulls one platform of a multi-arch index, keeping the index whole', async () => {
  const store = await freshStore();
  const r = await pullImage(`${reg.host}/test/multi:v1`, store, { arch: 'arm64' });
  assert.equal(r.ref, `${reg.host}/test/multi:v1`);
  assert.equal(r.cached, false);
  assert.equal(r.descriptor.digest, multiRoot.digest);
  // index.json: one entry, the index itself, annotated with the fully qualified name.
  const indexJson = JSON.parse(readFileSync(join(store.dir, 'index.json'), 'utf8')) as ImageIndex;
  assert.equal(indexJson.manifests.length, 1);
  assert.equal(indexJson.manifests[0]!.digest, multiRoot.digest);
  assert.equal(indexJson.manifests[0]!.mediaType, MediaType.ociIndex);
  assert.equal(indexJson.manifests[0]!.annotations?.[REF_NAME_ANNOTATION], `${reg.host}/test/multi:v1`);

  const index = JSON.parse((await store.readBlob(multiRoot.digest)).toString()) as ImageIndex;
  const [amd, arm, att] = index.manifests;
  assert.ok(await store.hasBlob(arm!.digest), 'arm64 manifest stored');
  assert.ok(await store.hasBlob(att!.digest), 'attestation manifest stored (LinuxKit validates them)');
  assert.equal(await store.hasBlob(amd!.digest), false, 'amd64 manifest not stored');

  const img = await resolveImage(store, r.ref, { os: 'linux', architecture: 'arm64' });
  assert.equal(img.layers.length, 1);
  assert.equal(img.config.architecture, 'arm64');
  // amd64's layers were not fetched.
  const amdManifest = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/test/multi@${amd!.digest}`]));
  for (const l of amdManifest.layers) assert.equal(await store.hasBlob(l.digest), false);
});

test('a second pull is served from the cache; alwaysPull fetches only what is missing', async () => {
  const store = await freshStore();
  const first = await pullImage(`${reg.host}/test/multi:v1`, store, { arch: 'amd64' });
  assert.equal(first.blobsFetched, 5); // amd64: 2 layers + config; attestation: layer + config
  const again = await pullImage(`${reg.host}/test/multi:v1`, store, { arch: 'amd64' });
  assert.equal(again.cached, true);
  const forced = await pullImage(`${reg.host}/test/multi:v1`, store, { arch: 'amd64', alwaysPull: true });
  assert.equal(forced.cached, false);
  assert.equal(forced.blobsFetched, 0);
  // Adding a platform to an image already cached fetches just that platform.
  const arm = await pullImage(`${reg.host}/test/multi:v1`, store, { arch: 'arm64' });
  assert.equal(arm.cached, false);
  assert.equal(arm.blobsFetched, 2);
  assert.equal((await store.list()).length, 1);
});

test('several platforms at once', async () => {
  const store = await freshStore();
  await pullImage(`${reg.host}/test/multi:v1`, store, { platforms: ['linux/amd64', 'linux/arm64'] });
  for (const architecture of ['amd64', 'arm64']) {
    const img = await resolveImage(store, `${reg.host}/test/multi:v1`, { os: 'linux', architecture });
    assert.equal(img.config.architecture, architecture);
  }
});

test('a platform the index lacks: the error names the image and the platforms it has', async () => {
  const store = await freshStore();
  await assert.rejects(
    pullImage(`${reg.host}/test/multi:v1`, store, { arch: 's390x' }),
    (e: unknown) =>
      e instanceof UserError &&
      e.message.includes(`${reg.host}/test/multi:v1`) &&
      e.message.includes('linux/s390x') &&
      e.message.includes('available: linux/amd64, linux/arm64/v8'),
  );
  assert.deepEqual(await store.list(), []);
});

test('a single-manifest image, by tag and by digest', async () => {
  const store = await freshStore();
  const byTag = await pullImage(`${reg.host}/test/single:v1`, store, { arch: 'amd64' });
  assert.equal(byTag.descriptor.digest, singleRoot.digest);
  assert.equal(byTag.descriptor.mediaType, MediaType.ociManifest);
  const byDigest = await pullImage(`${reg.host}/test/single@${singleRoot.digest}`, store, { arch: 'amd64' });
  assert.equal(byDigest.ref, `${reg.host}/test/single@${singleRoot.digest}`);
  // As in LinuxKit, a name@digest finds any entry with that digest: nothing to fetch or tag.
  assert.equal(byDigest.cached, true);
  const both = await pullImage(`${reg.host}/test/single:v1@${singleRoot.digest}`, store, { arch: 'amd64', alwaysPull: true });
  assert.equal(both.ref, `${reg.host}/test/single:v1@${singleRoot.digest}`);
  assert.deepEqual((await store.list()).map((e) => e.ref).sort(), [both.ref, byTag.ref].sort());
  const fresh = await freshStore();
  const direct = await pullImage(`${reg.host}/test/single@${singleRoot.digest}`, fresh, { arch: 'amd64' });
  assert.deepEqual(
    (await fresh.list()).map((e) => e.ref),
    [direct.ref],
  );
  const img = await resolveImage(store, byTag.ref, { os: 'linux', architecture: 'amd64' });
  assert.equal(img.layers.length, 1);
});

test('a digest the registry does not have, and a missing tag, name the image and the registry', async () => {
  const store = await freshStore();
  await assert.rejects(pullImage(`${reg.host}/test/single:nope`, store), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, new RegExp(`${reg.host}/test/single:nope.*not found in ${reg.host}.*MANIFEST_UNKNOWN`));
    return true;
  });
  await assert.rejects(pullImage(`${reg.host}/test/absent:v1`, store), /not found in .*NAME_UNKNOWN|MANIFEST_UNKNOWN/);
  await assert.rejects(pullImage(`${reg.host}/test/single@sha256:${'0'.repeat(64)}`, store), /not found/);
});

test('a registry that is down: "cannot reach registry"', async () => {
  const store = await freshStore();
  const down = await startTestRegistry();
  const host = down.host;
  await down.stop();
  await assert.rejects(pullImage(`${host}/x/y:z`, store), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, new RegExp(`cannot reach registry ${host.replace(/\./g, '\\.')}.*connection refused`));
    return true;
  });
});

test('a mirror serves pulls for the registry it stands in for', async () => {
  const store = await freshStore();
  // example.invalid never resolves: only the mirror can answer.
  const r = await pullImage('example.invalid/test/single:v1', store, {
    arch: 'amd64',
    registry: { mirrors: [`example.invalid=http://${reg.host}`] },
  });
  assert.equal(r.ref, 'example.invalid/test/single:v1');
  assert.equal(r.descriptor.digest, singleRoot.digest);
  // A mirror with a path prefixes the repository; LINUXKIT_MIRROR with no registry covers all.
  const r2 = await pullImage('example.invalid/single:v1', store, {
    arch: 'amd64',
    registry: { env: { LINUXKIT_MIRROR: `http://${reg.host}/test` } },
  });
  assert.equal(r2.descriptor.digest, singleRoot.digest);
});

test('Docker schema 2 manifests and manifest lists (what Docker Hub mostly serves)', async () => {
  const layout = join(work, 'docker-v2s2');
  await writeTestLayout(layout, 'v1', [
    { architecture: 'amd64', layers: [1_000] },
    { architecture: 'arm64', layers: [2_000] },
  ]);
  skopeo(['copy', '--all', '--format', 'v2s2', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/test/docker:v1`]);
  const store = await freshStore();
  const r = await pullImage(`${reg.host}/test/docker:v1`, store, { arch: 'arm64' });
  assert.equal(r.descriptor.mediaType, MediaType.dockerManifestList);
  const img = await resolveImage(store, r.ref, { os: 'linux', architecture: 'arm64' });
  assert.equal(img.manifestDescriptor.mediaType, MediaType.dockerManifest);
  assert.equal(img.layers[0]!.mediaType, MediaType.dockerLayerGzip);
});

test('every platform, with arch references (what linuxkit cache pull does)', async () => {
  const store = await freshStore();
  const name = `${reg.host}/test/multi:v1`;
  const r = await pullImage(name, store, { allPlatforms: true, withArchReferences: true, alwaysPull: true });
  assert.equal(r.blobsFetched, 7, 'amd64: 2 layers + config; arm64: layer + config; attestation: layer + config');
  const refs = Object.fromEntries((await store.list()).map((e) => [e.ref, e.descriptor]));
  assert.deepEqual(Object.keys(refs).sort(), [name, `${name}-amd64`, `${name}-arm64`]);
  assert.equal(refs[`${name}-arm64`]!.mediaType, MediaType.ociManifest);
  const img = await resolveImage(store, `${name}-arm64`, { os: 'linux', architecture: 'arm64' });
  assert.equal(img.config.architecture, 'arm64');
  // Complete for every platform now: nothing to fetch.
  assert.equal((await pullImage(name, store, { allPlatforms: true })).cached, true);
});
