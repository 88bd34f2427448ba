// Resolving references through the cache, and the validation pass of `cache ls`.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveImage } from './resolve.js';
import { LayoutStore } from './store.js';
import { validateCache } from './validate.js';
import { parsePlatform } from './platform.js';
import { MediaType, REF_NAME_ANNOTATION } from '../types.js';
import { UserError } from '../../util/index.js';
import { makeTar, putBytes, putImage, putIndex, tempDir } from '../testing.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

async function multiArch(t: { after(fn: () => unknown): void }) {
  const store = await LayoutStore.open(await tempDir(t));
  const layer = await makeTar([{ name: 'etc/hostname', content: 'x\n' }]);
  const m1 = await putImage(store, [layer], amd64, { Cmd: ['/amd64'] });
  const m2 = await putImage(store, [layer], arm64, { Cmd: ['/arm64'] });
  const attConfig = await putBytes(store, '{}', 'application/vnd.oci.image.config.v1+json');
  const att = await putBytes(store, JSON.stringify({ schemaVersion: 2, config: attConfig, layers: [] }), MediaType.ociManifest, {
    platform: { os: 'unknown', architecture: 'unknown' },
  });
  const idx = await putIndex(store, [m1, m2, att]);
  await store.tag('docker.io/library/multi:1', idx);
  return { store, m1, m2, idx };
}

test('a multi-arch index resolves to the manifest of the asked platform', async (t) => {
  const { store, m1, m2 } = await multiArch(t);
  const a = await resolveImage(store, 'docker.io/library/multi:1', amd64);
  assert.equal(a.manifestDescriptor.digest, m1.digest);
  assert.deepEqual(a.config.config?.Cmd, ['/amd64']);
  assert.equal(a.layers.length, 1);
  assert.ok(a.index);
  // arm64 without a variant finds arm64/v8, as LinuxKit's OS+arch match does.
  const b = await resolveImage(store, 'docker.io/library/multi:1', parsePlatform('linux/arm64'));
  assert.equal(b.manifestDescriptor.digest, m2.digest);
  assert.deepEqual(b.platform, arm64);
});

test('a missing platform lists the available ones; attestations are not platforms', async (t) => {
  const { store } = await multiArch(t);
  await assert.rejects(
    resolveImage(store, 'docker.io/library/multi:1', parsePlatform('linux/s390x')),
    (e: Error) => e instanceof UserError && /no manifest for platform linux\/s390x; available: linux\/amd64, linux\/arm64\/v8$/.test(e.message),
  );
});

test('a missing blob names the digest and the image', async (t) => {
  const { store, m2 } = await multiArch(t);
  await rm(join(store.dir, 'blobs', 'sha256', m2.digest.slice(7)));
  await assert.rejects(
    resolveImage(store, 'docker.io/library/multi:1', arm64),
    (e: Error) => e instanceof UserError && e.message.includes(m2.digest) && e.message.includes('docker.io/library/multi:1'),
  );
  await assert.rejects(resolveImage(store, 'docker.io/library/absent:1', amd64), /docker.io\/library\/absent:1 is not in the cache/);
});

test('a bare manifest entry resolves too', async (t) => {
  const store = await LayoutStore.open(await tempDir(t));
  const m = await putImage(store, [await makeTar([{ name: 'a', content: 'a' }])], amd64);
  await store.tag('docker.io/library/bare:1', m);
  const r = await resolveImage(store, 'docker.io/library/bare:1', amd64);
  assert.equal(r.manifestDescriptor.digest, m.digest);
  assert.equal(r.index, undefined);
});

test('validation reports broken entries instead of failing', async (t) => {
  const { store, m1 } = await multiArch(t);
  // Only amd64 "pulled": arm64's manifest gone is normal, not a problem.
  const manifest = JSON.parse((await store.readBlob(m1.digest)).toString());
  const arm = (await resolveImage(store, 'docker.io/library/multi:1', arm64)).manifestDescriptor;
  await rm(join(store.dir, 'blobs', 'sha256', arm.digest.slice(7)));
  await assert.rejects(
    store.tag('docker.io/library/gone:1', { mediaType: MediaType.ociIndex, digest: `sha256:${'a'.repeat(64)}`, size: 10 }),
    /root blob sha256:a{64} is not in the cache/,
  );
  // As another tool may leave it: an entry whose root blob is gone.
  await store.updateIndex((index) => {
    index.manifests.push({
      mediaType: MediaType.ociIndex,
      digest: `sha256:${'a'.repeat(64)}`,
      size: 10,
      annotations: { [REF_NAME_ANNOTATION]: 'docker.io/library/gone:1' },
    });
  });
  const bare = await putImage(store, [await makeTar([{ name: 'b', content: 'bb' }])], amd64);
  await store.tag('docker.io/library/trunc:1', bare);
  const layer = JSON.parse((await store.readBlob(bare.digest)).toString()).layers[0];
  await writeFile(join(store.dir, 'blobs', 'sha256', layer.digest.slice(7)), 'short');
  const reports = Object.fromEntries((await validateCache(store)).map((r) => [r.ref, r]));
  assert.deepEqual(reports['docker.io/library/multi:1']!.problems, []);
  assert.deepEqual(reports['docker.io/library/multi:1']!.platforms, ['linux/amd64']);
  assert.ok(reports['docker.io/library/multi:1']!.blobs.has(manifest.layers[0].digest));
  assert.match(reports['docker.io/library/gone:1']!.problems.join(), /root blob sha256:a{64} is missing/);
  assert.match(reports['docker.io/library/trunc:1']!.problems.join(), /has 5 bytes, expected \d+ \(truncated\?\)/);
});
