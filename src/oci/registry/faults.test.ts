// Pulls that go wrong: a corrupt blob in the registry, transient failures, a pull killed
// half-way, two processes pulling at once. The registry is real; faults are either made in its
// storage directory or injected by an HTTP proxy in front of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pullImage, pullImages } from '../pull.js';
import { RegistryClient } from './client.js';
import { LayoutStore, resolveImage } from '../cache/index.js';
import { registryBlobFile, startFaultProxy, startTestRegistry, skopeo, writeTestLayout, type TestRegistry } from './testing.js';
import type { ImageManifest } from '../types.js';
import { UserError } from '../../util/index.js';

let reg: TestRegistry;
let work: string;
const PULL_JS = fileURLToPath(new URL('../pull.js', import.meta.url));
const CACHE_JS = fileURLToPath(new URL('../cache/index.js', import.meta.url));

async function pushTestImage(repo: string, layers: number[]): Promise<ImageManifest> {
  const dir = mkdtempSync(join(work, 'layout-'));
  await writeTestLayout(dir, 'v1', [{ architecture: 'amd64', layers }]);
  skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:v1`, `docker://${reg.host}/${repo}:v1`]);
  return JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/${repo}:v1`])) as ImageManifest;
}

async function freshStore(): Promise<LayoutStore> {
  return LayoutStore.open(mkdtempSync(join(work, 'cache-')));
}

/** Blobs and temp files in a cache dir, to show nothing was left behind. */
function cacheFiles(dir: string): { blobs: string[]; temps: string[] } {
  const blobs = readdirSync(join(dir, 'blobs/sha256'));
  const tmp = join(dir, '.tmp');
  return { blobs, temps: existsSync(tmp) ? readdirSync(tmp) : [] };
}

before(async () => {
  reg = await startTestRegistry();
  work = mkdtempSync(join(tmpdir(), 'lkts-faults-'));
});

after(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('a blob corrupted in the registry: digest error, store unchanged', async () => {
  const manifest = await pushTestImage('bad/corrupt', [10_000, 20_000]);
  const layer = manifest.layers[1]!;
  const file = registryBlobFile(reg, layer.digest);
  const data = readFileSync(file);
  data[data.length >> 1] ^= 0xff; // same size, different content
  writeFileSync(file, data);

  const store = await freshStore();
  const before = cacheFiles(store.dir);
  await assert.rejects(pullImage(`${reg.host}/bad/corrupt:v1`, store, { arch: 'amd64' }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, new RegExp(`^${reg.host}/bad/corrupt:v1 from ${reg.host}: blob ${layer.digest}: content does not match its digest`));
    return true;
  });
  assert.deepEqual(await store.list(), [], 'not tagged');
  assert.equal(await store.hasBlob(layer.digest), false, 'the bad blob is not stored under its name');
  const afterFiles = cacheFiles(store.dir);
  assert.deepEqual(afterFiles.temps, [], 'no temp file left');
  // Only verified blobs (the other layer and the config) may have been added.
  for (const b of afterFiles.blobs.filter((b) => !before.blobs.includes(b))) {
    assert.ok([manifest.config.digest, manifest.layers[0]!.digest].includes(`sha256:${b}`));
  }

  // The client's own check, for callers that stream a blob elsewhere than into the cache.
  const client = new RegistryClient();
  try {
    const stream = await client.getBlob({ domain: reg.host, path: 'bad/corrupt' }, layer);
    await assert.rejects(
      async () => {
        for await (const _ of stream) void _;
      },
      new RegExp(`blob ${layer.digest} of ${reg.host}/bad/corrupt: digest mismatch, content has sha256:`),
    );
  } finally {
    client.close();
  }

  // Truncated: the size check fires.
  writeFileSync(file, data.subarray(0, 100));
  const store2 = await freshStore();
  await assert.rejects(pullImage(`${reg.host}/bad/corrupt:v1`, store2, { arch: 'amd64' }), /expected \d+ bytes, got 100|does not match its digest/);
  assert.deepEqual(await store2.list(), []);
});

test('transient failures (503, 429, a connection reset mid-blob) are retried', async () => {
  const manifest = await pushTestImage('flaky/img', [200_000]);
  const proxy = await startFaultProxy(reg.host, {
    faults: [
      { method: 'GET', path: /\/manifests\/v1$/, fault: { status: 503 } },
      { method: 'GET', path: /\/blobs\//, fault: { status: 429, headers: { 'retry-after': '0' } } },
      { method: 'GET', path: new RegExp(manifest.layers[0]!.digest), fault: { resetAfterBytes: 50_000 } },
    ],
  });
  try {
    const store = await freshStore();
    const r = await pullImage(`${proxy.host}/flaky/img:v1`, store, { arch: 'amd64' });
    assert.equal(r.cached, false);
    await resolveImage(store, r.ref, { os: 'linux', architecture: 'amd64' });
    const layerGets = proxy.seen.filter((s) => s === `GET /v2/flaky/img/blobs/${manifest.layers[0]!.digest}`);
    assert.ok(layerGets.length >= 2, `layer fetched again after the reset (${layerGets.length})`);
  } finally {
    await proxy.stop();
  }
});

test('a registry that keeps failing: the error names the image, the registry and the status', async () => {
  await pushTestImage('down/img', [1_000]);
  const proxy = await startFaultProxy(reg.host, { faults: [{ path: /\/manifests\//, fault: { status: 500 }, times: 100 }] });
  try {
    const store = await freshStore();
    const started = Date.now();
    await assert.rejects(
      pullImage(`${proxy.host}/down/img:v1`, store, { registry: { backoffMs: 10 } }),
      new RegExp(`cannot get manifest of ${proxy.host}/down/img:v1: ${proxy.host} answered HTTP 500: INJECTED`),
    );
    assert.equal(proxy.seen.filter((s) => s.includes('/manifests/')).length, 5, 'five attempts');
    assert.ok(Date.now() - started < 5000);
  } finally {
    await proxy.stop();
  }
});

/** Starts `node -e` pulling `ref` (or several at once) into `cacheDir`; resolves with its exit code or signal. */
function pullInChild(
  ref: string | string[],
  cacheDir: string,
  mirror?: string,
  concurrency = 1,
): { done: Promise<{ code: number | null; signal: string | null; stderr: string }>; kill: () => void } {
  const script = `
    import { pullImages } from ${JSON.stringify(PULL_JS)};
    import { LayoutStore } from ${JSON.stringify(CACHE_JS)};
    const store = await LayoutStore.open(${JSON.stringify(cacheDir)});
    await pullImages(${JSON.stringify([ref].flat())}, store, { arch: 'amd64', concurrency: ${concurrency}, alwaysPull: true,
      registry: ${mirror ? `{ mirrors: [${JSON.stringify(mirror)}] }` : '{}'} });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { done, kill: () => child.kill('SIGKILL') };
}

test('a pull killed half-way leaves a readable cache, and the next pull completes', async () => {
  const manifest = await pushTestImage('big/img', [1_500_000, 1_500_000, 1_500_000]);
  // Throttled so the kill lands mid-download, whatever the machine's speed.
  const proxy = await startFaultProxy(reg.host, { bytesPerSecond: 3_000_000 });
  try {
    const store = await freshStore();
    const ref = `${reg.host}/big/img:v1`;
    const child = pullInChild(ref, store.dir, `${reg.host}=http://${proxy.host}`);
    // Wait until the first layer is in place, then kill.
    const first = join(store.dir, 'blobs/sha256', manifest.layers[0]!.digest.slice(7));
    const deadline = Date.now() + 20_000;
    while (!existsSync(first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill();
    const { signal } = await child.done;
    assert.equal(signal, 'SIGKILL', 'the child was killed before it finished');
    assert.equal(await store.hasBlob(manifest.layers[2]!.digest), false, 'killed before the last layer');

    // The cache is readable and does not claim the image.
    const reopened = await LayoutStore.open(store.dir);
    assert.deepEqual(await reopened.list(), []);
    for (const b of readdirSync(join(store.dir, 'blobs/sha256'))) {
      const size = statSync(join(store.dir, 'blobs/sha256', b)).size;
      const d = [manifest.config, ...manifest.layers].find((x) => x.digest === `sha256:${b}`);
      assert.ok(d && d.size === size, `only complete blobs under their names (${b})`);
    }
    const r = await pullImage(ref, reopened, { arch: 'amd64' });
    assert.equal(r.cached, false);
    assert.ok(r.blobsFetched < 4, 'blobs already verified are not fetched again');
    const img = await resolveImage(reopened, ref, { os: 'linux', architecture: 'amd64' });
    assert.equal(img.layers.length, 3);
    for (const l of img.layers) await reopened.readBlob(l.digest);
  } finally {
    await proxy.stop();
  }
});

/** Every blob file in a cache dir hashes to its name (what a consistent cache means for blobs). */
function assertBlobsMatchNames(dir: string): void {
  for (const b of readdirSync(join(dir, 'blobs/sha256'))) {
    const got = createHash('sha256')
      .update(readFileSync(join(dir, 'blobs/sha256', b)))
      .digest('hex');
    assert.equal(got, b, `blob ${b} holds what its name says`);
  }
}

test('several images in one pull: a blob failing its digest among concurrent ones is not stored; the others are tagged, shared blobs fetched once', async () => {
  const good = await pushTestImage('many/good', [300_000, 300_000]);
  // The same image under a second name: its blobs are the same digests.
  skopeo(['copy', '--dest-tls-verify=false', `docker://${reg.host}/many/good:v1`, `docker://${reg.host}/many/same:v1`, '--src-tls-verify=false']);
  const bad = await pushTestImage('many/bad', [300_000, 300_000, 300_000]);
  const layer = bad.layers[1]!;
  const file = registryBlobFile(reg, layer.digest);
  const data = readFileSync(file);
  data[data.length >> 1] ^= 0xff;
  writeFileSync(file, data);

  const proxy = await startFaultProxy(reg.host);
  try {
    const store = await freshStore();
    const refs = ['many/good', 'many/bad', 'many/same'].map((r) => `${reg.host}/${r}:v1`);
    await assert.rejects(
      pullImages(refs, store, { arch: 'amd64', concurrency: 4, registry: { mirrors: [`${reg.host}=http://${proxy.host}`] } }),
      (e: unknown) => e instanceof UserError && e.message.includes(`blob ${layer.digest}: content does not match its digest`),
    );
    assert.equal(await store.hasBlob(layer.digest), false, 'the bad blob is not stored under its name');
    assert.deepEqual(cacheFiles(store.dir).temps, [], 'no temp file left');
    assertBlobsMatchNames(store.dir);
    assert.deepEqual((await store.list()).map((e) => e.ref).sort(), [refs[0], refs[2]], 'the complete images are tagged, the broken one is not');
    for (const ref of [refs[0]!, refs[2]!]) {
      const img = await resolveImage(store, ref, { os: 'linux', architecture: 'amd64' });
      assert.deepEqual(
        img.layers.map((l) => l.digest),
        good.layers.map((l) => l.digest),
      );
    }
    for (const d of [good.config, ...good.layers]) {
      assert.equal(proxy.seen.filter((s) => s.startsWith('GET ') && s.endsWith(`/blobs/${d.digest}`)).length, 1, `${d.digest} fetched once for both images`);
    }
  } finally {
    await proxy.stop();
  }
});

test('a pull of several images killed mid-way leaves a consistent cache, and the next pull completes', async () => {
  // A small and a big layer each: the kill lands when a small one is in, the big ones (~1 s each
  // through the throttle) mid-way.
  const manifests = [await pushTestImage('kill/a', [200_000, 3_000_000]), await pushTestImage('kill/b', [200_000, 3_000_000])];
  const proxy = await startFaultProxy(reg.host, { bytesPerSecond: 3_000_000 });
  try {
    const store = await freshStore();
    const refs = [`${reg.host}/kill/a:v1`, `${reg.host}/kill/b:v1`];
    const child = pullInChild(refs, store.dir, `${reg.host}=http://${proxy.host}`, 4);
    const file = (l: { digest: string }) => join(store.dir, 'blobs/sha256', l.digest.slice(7));
    const small = manifests.map((m) => file(m.layers[0]!));
    const big = manifests.map((m) => file(m.layers[1]!));
    const deadline = Date.now() + 20_000;
    while (!small.some((l) => existsSync(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    child.kill();
    const { signal } = await child.done;
    assert.equal(signal, 'SIGKILL', 'the child was killed before it finished');
    assert.ok(!big.every((l) => existsSync(l)), 'killed before every layer was in');

    const reopened = await LayoutStore.open(store.dir);
    assert.deepEqual(await reopened.list(), [], 'no image is named before all of its blobs are in');
    assertBlobsMatchNames(store.dir);
    const results = await pullImages(refs, reopened, { arch: 'amd64' });
    assert.ok(results.reduce((n, r) => n + r.blobsFetched, 0) < 6, 'blobs already verified are not fetched again');
    assert.ok(results.every((r) => !r.cached));
    for (const [i, ref] of refs.entries()) {
      const img = await resolveImage(reopened, ref, { os: 'linux', architecture: 'amd64' });
      assert.deepEqual(
        img.layers.map((l) => l.digest),
        manifests[i]!.layers.map((l) => l.digest),
      );
    }
    assertBlobsMatchNames(store.dir);
  } finally {
    await proxy.stop();
  }
});

test('two processes pulling the same image into one cache both succeed', async () => {
  const manifest = await pushTestImage('twice/img', [800_000, 800_000]);
  const store = await freshStore();
  const ref = `${reg.host}/twice/img:v1`;
  const [a, b] = [pullInChild(ref, store.dir), pullInChild(ref, store.dir)];
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  const entries = await store.list();
  assert.equal(entries.length, 1);
  const img = await resolveImage(store, ref, { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(
    img.layers.map((l) => l.digest),
    manifest.layers.map((l) => l.digest),
  );
  assert.deepEqual(cacheFiles(store.dir).temps, []);
});

test("403 from the registry: access denied, with the registry's message", async () => {
  await pushTestImage('denied/img', [1_000]);
  const proxy = await startFaultProxy(reg.host, { faults: [{ path: /\/manifests\//, fault: { status: 403 }, times: 10 }] });
  try {
    const store = await freshStore();
    await assert.rejects(
      pullImage(`${proxy.host}/denied/img:v1`, store),
      new RegExp(`cannot get manifest of ${proxy.host}/denied/img:v1: access denied by ${proxy.host}: INJECTED injected HTTP 403`),
    );
    assert.equal(proxy.seen.filter((s) => s.includes('/manifests/')).length, 1, '403 is not retried');
  } finally {
    await proxy.stop();
  }
});

test('a manifest corrupted in the registry: the client refuses it by tag and by digest', async () => {
  const manifest = await pushTestImage('bad/manifest', [1_000]);
  const text = skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/bad/manifest:v1`]);
  const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
  const file = registryBlobFile(reg, digest);
  // Still JSON, still a manifest, same size: one hex digit of the layer's digest changed.
  const hex = manifest.layers[0]!.digest.slice(7);
  const swapped = hex.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  writeFileSync(file, readFileSync(file, 'utf8').replace(hex, swapped));
  const got = `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

  // The client's own check (the cache re-hashes too, but the client is used without a cache).
  const client = new RegistryClient();
  try {
    for (const ref of [
      { domain: reg.host, path: 'bad/manifest', tag: 'v1' },
      { domain: reg.host, path: 'bad/manifest', digest },
    ]) {
      await assert.rejects(client.getManifest(ref), (e: unknown) => {
        assert.ok(e instanceof UserError, String(e));
        assert.match(e.message, new RegExp(`^manifest of ${reg.host}/bad/manifest[:@].* from ${reg.host} has digest ${got}, expected ${digest}$`));
        return true;
      });
    }
  } finally {
    client.close();
  }
  const store = await freshStore();
  await assert.rejects(pullImage(`${reg.host}/bad/manifest:v1`, store, { arch: 'amd64' }), new RegExp(`has digest ${got}, expected ${digest}`));
  assert.deepEqual(await store.list(), []);
});
