// A pull that also fills the unpacked-layer cache (pull-unpack.ts, layer/inflate-copy.ts), against
// a real registry (Debian's docker-registry, fed by skopeo): the copy is there after the pull and
// the build's reader uses it instead of the blob; a config whose diff_id is wrong, a blob that
// does not match its digest, an interrupted download and LINUXKIT_LAYER_CACHE=off leave no copy;
// the pull itself succeeds or fails as it does without the cache. Every pull goes through a proxy
// throttled to a network's pace (PACE): on loopback a download that outruns zlib leaves its layer
// to the build (inflate-copy.ts; the last test), which would make the negative tests pass for
// that reason alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { pullImage } from './pull.js';
import { LayoutStore, resolveImage } from './cache/index.js';
import { blobPath } from './cache/layout.js';
import { imageRootfs } from './layer/image.js';
import { UnpackedLayers } from './layer/unpacked.js';
import { InflatingCopy } from './layer/inflate-copy.js';
import { registryBlobFile, startFaultProxy, startTestRegistry, type FaultProxy, skopeo, writeTestLayout, type TestRegistry } from './registry/testing.js';
import type { Descriptor, ImageConfigFile, ImageManifest } from './types.js';
import { collect } from './testing.js';
import { UserError } from '../util/index.js';

const execFileAsync = promisify(execFile);
const CLI = fileURLToPath(new URL('../../../bin/linuxkit.js', import.meta.url));
const PLATFORM = { os: 'linux', architecture: 'amd64' };
/** Bytes per second of a registry on a network (4 MB/s: a 1.5 MiB layer in ~0.4 s). */
const PACE = 4_000_000;

let reg: TestRegistry;
/** The registry at a network's pace. */
let slow: FaultProxy;
let work: string;
/** An image of a 1.5 MiB layer (inflated into the cache) and a 20 KB one (too small to be). */
let good: { ref: string; manifest: ImageManifest; diffIds: string[] };
/** The same kind of image, but its config names a diff_id its big layer does not have. */
let lying: { ref: string; manifest: ImageManifest };
/** The same kind again, its big layer served with one gzip header byte changed (the same tar). */
let regzipped: { ref: string; manifest: ImageManifest };

const hex = (digest: string): string => digest.slice('sha256:'.length);
const files = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).sort();

async function readJson<T>(layout: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(join(layout, 'blobs', 'sha256', hex(digest)), 'utf8')) as T;
}

/** Writes `doc` as a blob of the layout; its descriptor. */
async function putJson(layout: string, mediaType: string, doc: unknown): Promise<Descriptor> {
  const body = Buffer.from(JSON.stringify(doc));
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  await writeFile(join(layout, 'blobs', 'sha256', hex(digest)), body);
  return { mediaType, digest, size: body.length };
}

/** A test image pushed to the registry as `name:v1`, with `edit` applied to its config first. */
async function pushImage(
  name: string,
  edit: (c: ImageConfigFile) => void = () => undefined,
): Promise<{ ref: string; manifest: ImageManifest; config: ImageConfigFile }> {
  const layout = join(work, name);
  const root = await writeTestLayout(layout, 'v1', [{ architecture: 'amd64', layers: [1536 * 1024, 20_000] }]);
  let manifest = await readJson<ImageManifest>(layout, root.digest);
  const config = await readJson<ImageConfigFile>(layout, manifest.config.digest);
  edit(config);
  manifest = { ...manifest, config: await putJson(layout, manifest.config.mediaType, config) };
  const desc = await putJson(layout, manifest.mediaType!, manifest);
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...desc, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
  );
  skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${reg.host}/test/${name}:v1`]);
  return { ref: `${slow.host}/test/${name}:v1`, manifest, config };
}

before(async () => {
  reg = await startTestRegistry();
  slow = await startFaultProxy(reg.host, { bytesPerSecond: PACE });
  work = mkdtempSync(join(tmpdir(), 'lkts-pull-unpack-'));
  const g = await pushImage('good');
  good = { ...g, diffIds: g.config.rootfs.diff_ids };
  // A diff_id of other bytes: what the registry serves for the layer is fine, the config lies.
  lying = await pushImage('lying', (c) => (c.rootfs.diff_ids[0] = `sha256:${createHash('sha256').update('not this layer').digest('hex')}`));
  regzipped = await pushImage('regzipped');
  // The OS byte of the gzip header: other blob bytes of the same size, inflating to the same tar.
  const file = registryBlobFile(reg, regzipped.manifest.layers[0]!.digest);
  const data = await readFile(file);
  data[9] ^= 1;
  await writeFile(file, data);
});

after(async () => {
  await slow?.stop();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function fresh(): Promise<{ store: LayoutStore; layers: UnpackedLayers }> {
  const dir = mkdtempSync(join(work, 'run-'));
  return { store: await LayoutStore.open(join(dir, 'cache')), layers: new UnpackedLayers(join(dir, 'layers')) };
}

test('a pull keeps the big gzip layer unpacked under its diff_id, and the build reader uses it, not the blob', async () => {
  const { store, layers } = await fresh();
  const { ref } = await pullImage(good.ref, store, { arch: 'amd64', unpacked: layers });
  const big = hex(good.diffIds[0]!);
  assert.deepEqual(await files(layers.dir), [big, `${big}.size`], 'only the big layer, whole, no temp files');
  const img = await resolveImage(store, ref, PLATFORM);
  const want = new Map<string, Buffer>();
  for await (const e of imageRootfs(store, img)) want.set(e.path, await collect(e.body));

  // The big layer's blob spoiled (same size): the reader only gets the right files without it.
  const blob = blobPath(store.dir, good.manifest.layers[0]!.digest);
  await writeFile(blob, Buffer.alloc((await readFile(blob)).length, 7));
  const got = new Map<string, Buffer>();
  for await (const e of imageRootfs(store, img, layers)) got.set(e.path, await collect(e.body));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [path, body] of want) assert.ok(got.get(path)!.equals(body), path);
});

test('a config whose diff_id the layer does not have: the pull succeeds as before and keeps no unpacked copy', async () => {
  const { store, layers } = await fresh();
  const plain = await fresh();
  const without = await pullImage(lying.ref, plain.store, { arch: 'amd64' });
  const withCache = await pullImage(lying.ref, store, { arch: 'amd64', unpacked: layers });
  assert.deepEqual(withCache, without);
  assert.deepEqual(await files(layers.dir), [], 'no copy, no temp file');
  for (const l of lying.manifest.layers) assert.ok(await store.hasBlob(l.digest));
});

test('a blob that does not match its digest keeps no unpacked copy, even when it inflates to the diff_id', async () => {
  const { store, layers } = await fresh();
  await assert.rejects(pullImage(regzipped.ref, store, { arch: 'amd64', unpacked: layers }), /does not match its digest/);
  assert.deepEqual(await files(layers.dir), []);
});

test('an interrupted layer download leaves no unpacked copy; its retry makes one', async () => {
  const layer = good.manifest.layers[0]!;
  const blobPathRe = new RegExp(`/blobs/${layer.digest}$`);
  // Every attempt cut: the pull fails as it does without the cache.
  const cut = await startFaultProxy(reg.host, {
    faults: [{ method: 'GET', path: blobPathRe, fault: { resetAfterBytes: 700_000 }, times: 3 }],
    bytesPerSecond: PACE,
  });
  try {
    const { store, layers } = await fresh();
    const ref = good.ref.replace(slow.host, cut.host);
    await assert.rejects(
      pullImage(ref, store, { arch: 'amd64', unpacked: layers }),
      (e: unknown) => e instanceof UserError && /download of blob/.test((e as Error).message),
    );
    assert.deepEqual(await files(layers.dir), []);
    assert.equal(await store.hasBlob(layer.digest), false);
  } finally {
    await cut.stop();
  }
  // Cut once: the retry stores the blob and the copy.
  const once = await startFaultProxy(reg.host, {
    faults: [{ method: 'GET', path: blobPathRe, fault: { resetAfterBytes: 700_000 }, times: 1 }],
    bytesPerSecond: PACE,
  });
  try {
    const { store, layers } = await fresh();
    await pullImage(good.ref.replace(slow.host, once.host), store, { arch: 'amd64', unpacked: layers });
    const big = hex(good.diffIds[0]!);
    assert.deepEqual(await files(layers.dir), [big, `${big}.size`]);
    assert.equal(once.seen.filter((s) => blobPathRe.test(s)).length, 2);
  } finally {
    await once.stop();
  }
});

test('cache pull fills the unpacked-layer cache, and writes nothing there with LINUXKIT_LAYER_CACHE=off', async () => {
  const dir = mkdtempSync(join(work, 'cli-'));
  // Not spawnSync: the proxy answering the CLI runs in this process.
  const run = (layerCache: string, cache: string) =>
    execFileAsync(process.execPath, [CLI, '--cache', join(dir, cache), 'cache', 'pull', good.ref], {
      env: { ...process.env, HOME: dir, XDG_CACHE_HOME: join(dir, 'xdg'), LINUXKIT_LAYER_CACHE: layerCache },
    });
  await run(join(dir, 'layers'), 'c1');
  const big = hex(good.diffIds[0]!);
  assert.deepEqual(await files(join(dir, 'layers')), [big, `${big}.size`]);
  await run('off', 'c2');
  assert.deepEqual(await files(join(dir, 'xdg')), [], 'nothing under the default cache directory either');
  assert.deepEqual(await files(join(dir, 'layers')), [big, `${big}.size`]);
});

test('a download that outruns zlib leaves its layer to the build: no copy, the blob stored', async () => {
  const dir = mkdtempSync(join(work, 'outrun-'));
  const layers = new UnpackedLayers(join(dir, 'layers'));
  // 256 MiB of zeros compress to 250 KB: one piece, all the download's time spent waiting for zlib.
  const tar = Buffer.alloc(256 << 20);
  const blob = gzipSync(tar);
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const copy = new InflatingCopy(layers, diffId);
  const passed = await collect(copy.tee(Readable.from([blob])));
  await copy.finish(true);
  assert.ok(passed.equals(blob), 'the download gets every byte');
  assert.deepEqual(await files(layers.dir), []);
});
