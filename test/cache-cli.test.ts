// `linuxkit cache …` as a user runs it, against real tars made by skopeo.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import { LayoutStore } from '../src/oci/cache/store.js';
import { REF_NAME_ANNOTATION } from '../src/oci/types.js';
import { resolveImage } from '../src/oci/cache/resolve.js';
import { validateCache } from '../src/oci/cache/validate.js';
import { imageRootfs } from '../src/oci/layer/image.js';
import { readTar } from '../src/tar/index.js';
import { runCli } from './helpers.js';
import { collect, makeTar, putImage, putIndex, tempDir } from '../src/oci/testing.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const hasSkopeo = spawnSync('skopeo', ['--version'], { stdio: 'ignore' }).status === 0;

const BASE = [
  { name: 'bin/', type: 'directory' as const },
  { name: 'bin/sh', content: '#!shell\n', mode: 0o755 },
  { name: 'etc/os-release', content: 'ID=test\n' },
];
const TOP = [{ name: 'etc/.wh.os-release' }, { name: 'etc/motd', content: 'hi\n' }];

/** A cache with `docker.io/library/app:1` (index, amd64 + arm64) and `docker.io/library/base:1` sharing its base layer. */
async function sampleCache(dir: string): Promise<LayoutStore> {
  const store = await LayoutStore.open(dir);
  const base = await makeTar(BASE);
  const top = await makeTar(TOP);
  const amd = await putImage(store, [base, top], amd64, { Cmd: ['/bin/sh'] });
  const arm = await putImage(store, [base, top], { os: 'linux', architecture: 'arm64' }, { Cmd: ['/bin/sh'] });
  await store.tag('docker.io/library/app:1', await putIndex(store, [amd, arm]));
  await store.tag('docker.io/library/base:1', await putImage(store, [base], amd64));
  return store;
}

async function rootfsListing(store: LayoutStore, ref: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of imageRootfs(store, await resolveImage(store, ref, amd64))) {
    out.push(`${e.path} ${e.type} ${e.mode.toString(8)} ${(await collect(e.body)).toString()}`);
  }
  return out.sort();
}

async function tarNames(file: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of readTar(Readable.from([await readFile(file)]))) names.push(e.path);
  return names;
}

test('cache ls lists images as LinuxKit does and reports broken ones on stderr', async (t) => {
  const dir = await tempDir(t);
  const store = await sampleCache(dir);
  await store.updateIndex((index) => {
    const broken = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${'b'.repeat(64)}`, size: 3 };
    index.manifests.push({ ...broken, annotations: { [REF_NAME_ANNOTATION]: 'docker.io/library/broken:1' } }, broken);
  });
  const r = runCli(['--cache', dir, 'cache', 'ls']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^image name {70} root manifest hash$/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(/ +/)[0]),
    ['docker.io/library/app:1', 'docker.io/library/base:1', 'docker.io/library/broken:1'],
  );
  assert.match(r.stderr, /docker\.io\/library\/broken:1 is incomplete or broken in the cache: root blob sha256:b{64} is missing/);
});

test('cache rm removes an image and only the blobs no other image uses', async (t) => {
  const dir = await tempDir(t);
  await sampleCache(dir);
  const before = (await readdir(join(dir, 'blobs/sha256'))).length;
  const r = runCli(['--cache', dir, 'cache', 'rm', 'app:1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /removing image docker.io\/library\/app:1 from cache/);
  const store = await LayoutStore.open(dir);
  assert.deepEqual(
    (await store.list()).map((e) => e.ref),
    ['docker.io/library/base:1'],
  );
  const reports = await validateCache(store);
  assert.deepEqual(reports[0]!.problems, [], 'the shared base layer was kept');
  const after = await readdir(join(dir, 'blobs/sha256'));
  assert.equal(after.length, reports[0]!.blobs.size, 'everything else of app:1 was deleted');
  assert.ok(after.length < before);
  const missing = runCli(['--cache', dir, 'cache', 'rm', 'nothere']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /docker.io\/library\/nothere:latest is not in the cache/);
});

test('cache clean empties the cache and the unpacked copies of layers made from it', async (t) => {
  const dir = await tempDir(t);
  await sampleCache(dir);
  const layers = join(await tempDir(t), 'layers');
  await mkdir(layers);
  await writeFile(join(layers, 'a'.repeat(64)), 'an unpacked layer');
  const r = runCli(['--cache', dir, 'cache', 'clean'], { env: { LINUXKIT_LAYER_CACHE: layers } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Cache emptied/);
  assert.match(r.stderr, /Unpacked layers removed/);
  assert.equal(existsSync(dir), false);
  assert.equal(existsSync(layers), false);
});

test('cache export: oci, docker and filesystem round trips, platform errors, no partial outputs', async (t) => {
  const dir = await tempDir(t);
  const out = await tempDir(t);
  const store = await sampleCache(dir);
  const want = await rootfsListing(store, 'docker.io/library/app:1');
  assert.deepEqual(want, ['bin directory 755 ', 'bin/sh file 755 #!shell\n', 'etc/motd file 644 hi\n']);

  for (const format of ['oci', 'docker']) {
    const file = join(out, `${format}.tar`);
    const r = runCli([
      '--cache',
      dir,
      'cache',
      'export',
      'app:1',
      '--format',
      format,
      '--platform',
      'linux/amd64',
      '--outfile',
      file,
      '--name',
      `example.com/re/named:${format}`,
    ]);
    assert.equal(r.status, 0, r.stderr);
    const other = join(out, `cache-${format}`);
    const imp = runCli(['--cache', other, 'cache', 'import', file]);
    assert.equal(imp.status, 0, imp.stderr);
    assert.match(imp.stderr, new RegExp(`imported example.com/re/named:${format} sha256:`));
    const back = await LayoutStore.open(other);
    assert.deepEqual(await rootfsListing(back, `example.com/re/named:${format}`), want, `${format} round trip`);
  }

  const fsTar = join(out, 'fs.tar');
  assert.equal(runCli(['--cache', dir, 'cache', 'export', 'app:1', '--format', 'filesystem', '--outfile', fsTar]).status, 0);
  assert.deepEqual((await tarNames(fsTar)).sort(), ['bin', 'bin/sh', 'etc/motd']);
  const fsDir = join(out, 'fsdir') + '/';
  assert.equal(runCli(['--cache', dir, 'cache', 'export', 'app:1', '--format', 'filesystem', '--outfile', fsDir]).status, 0);
  assert.equal(await readFile(join(fsDir, 'etc/motd'), 'utf8'), 'hi\n');
  assert.equal(existsSync(join(fsDir, 'etc/os-release')), false);

  const bad = join(out, 'bad.tar');
  const noPlat = runCli(['--cache', dir, 'cache', 'export', 'app:1', '--arch', 's390x', '--outfile', bad]);
  assert.equal(noPlat.status, 1);
  assert.match(noPlat.stderr, /no manifest for platform linux\/s390x; available: linux\/amd64, linux\/arm64/);
  assert.equal(existsSync(bad), false);
  // A layer that breaks half-way through: the error is reported and no partial file is left.
  const img = await resolveImage(store, 'docker.io/library/app:1', amd64);
  await writeFile(join(dir, 'blobs/sha256', img.layers[1]!.digest.slice(7)), Buffer.alloc(img.layers[1]!.size, 0x1f));
  const broken = runCli(['--cache', dir, 'cache', 'export', 'app:1', '--format', 'filesystem', '--outfile', bad]);
  assert.equal(broken.status, 1);
  assert.equal(existsSync(bad), false);
  assert.deepEqual(
    (await readdir(out)).filter((n) => n.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
  const noOut = runCli(['--cache', dir, 'cache', 'export', 'app:1']);
  assert.equal(noOut.status, 1);
  assert.match(noOut.stderr, /'outfile' flag is required/);
});

test('cache import reads docker-archive and oci-archive tars written by skopeo, offline', { skip: !hasSkopeo && 'skopeo not installed' }, async (t) => {
  const src = await tempDir(t);
  const work = await tempDir(t);
  const store = await sampleCache(src);
  const want = await rootfsListing(store, 'docker.io/library/app:1');
  const skopeo = (...args: string[]) => {
    const r = spawnSync('skopeo', ['--override-arch', 'amd64', '--override-os', 'linux', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  // skopeo reads our cache as an OCI layout…
  const inspected = JSON.parse(skopeo('inspect', `oci:${src}:docker.io/library/app:1`));
  assert.equal(inspected.Architecture, 'amd64');
  assert.equal(inspected.Layers.length, 2);
  // …and writes the tars we import.
  skopeo('copy', '-q', `oci:${src}:docker.io/library/app:1`, `docker-archive:${join(work, 'd.tar')}:myorg/app:7`);
  skopeo('copy', '-q', `oci:${src}:docker.io/library/app:1`, `oci-archive:${join(work, 'o.tar')}:quay.io/org/app:8`);
  skopeo('copy', '-q', `oci:${src}:docker.io/library/app:1`, `oci-archive:${join(work, 'tag.tar')}:justatag`);
  const cache = join(work, 'cache');
  for (const f of ['d.tar', 'o.tar']) {
    const r = runCli(['--cache', cache, 'cache', 'import', join(work, f)], { env: { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' } });
    assert.equal(r.status, 0, r.stderr);
  }
  // A tar that only carries a tag gets its name from --name; from stdin with '-'.
  const viaStdin = spawnSync(
    'sh',
    ['-c', `node ${JSON.stringify(join(process.cwd(), 'bin/linuxkit.js'))} --cache ${cache} cache import --name local/tagged:1 - < ${join(work, 'tag.tar')}`],
    { encoding: 'utf8' },
  );
  assert.equal(viaStdin.status, 0, viaStdin.stderr);
  const imported = await LayoutStore.open(cache);
  assert.deepEqual((await imported.list()).map((e) => e.ref).sort(), ['docker.io/local/tagged:1', 'docker.io/myorg/app:7', 'quay.io/org/app:8']);
  for (const ref of ['docker.io/myorg/app:7', 'quay.io/org/app:8', 'docker.io/local/tagged:1']) {
    assert.deepEqual(await rootfsListing(imported, ref), want, ref);
  }
  for (const r of await validateCache(imported)) assert.deepEqual(r.problems, [], r.ref);
  // And skopeo reads the cache our import wrote.
  assert.equal(JSON.parse(skopeo('inspect', `oci:${cache}:docker.io/myorg/app:7`)).Layers.length, 2);
  // A tampered blob in an OCI tar is refused and not stored.
  const tampered = join(work, 'tampered');
  skopeo('copy', '-q', `oci:${src}:docker.io/library/app:1`, `oci:${tampered}:x`);
  const layer = (await resolveImage(await LayoutStore.open(tampered), 'x', amd64)).layers[0]!;
  await writeFile(join(tampered, 'blobs/sha256', layer.digest.slice(7)), 'evil');
  const tarred = spawnSync('tar', ['-C', tampered, '-cf', join(work, 'tampered.tar'), '.']);
  assert.equal(tarred.status, 0);
  const bad = runCli(['--cache', join(work, 'c2'), 'cache', 'import', join(work, 'tampered.tar')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, new RegExp(`blob ${layer.digest}: content does not match`));
  assert.equal(existsSync(join(work, 'c2/blobs/sha256', layer.digest.slice(7))), false);
  await rm(tampered, { recursive: true });
});

const BENCH = process.env.LINUXKIT_TS_BENCH_CACHE;

test(
  'reads a cache written the way LinuxKit writes it (bench/make-images.sh)',
  { skip: !BENCH && 'set LINUXKIT_TS_BENCH_CACHE to a cache made by make-images.sh' },
  async () => {
    const store = await LayoutStore.open(BENCH!);
    const reports = await validateCache(store);
    assert.ok(reports.length >= 4);
    for (const r of reports) assert.deepEqual(r.problems, [], r.ref);
    const small = await rootfsListing(store, 'docker.io/bench/small:1');
    assert.ok(small.some((l) => l.startsWith('bin/busybox file 755')));
  },
);

test('cache import takes the OCI tars LinuxKit exports, whose index entry calls a manifest an index', async (t) => {
  const src = await tempDir(t);
  const work = await tempDir(t);
  const store = await sampleCache(src);
  const img = await resolveImage(store, 'docker.io/library/app:1', amd64);
  const blob = async (d: { digest: string }) => ({ name: `blobs/sha256/${d.digest.slice(7)}`, content: await store.readBlob(d.digest) });
  // As lk:src/cmd/linuxkit/cache/layout.go and imagesource.go OCITarReader write it.
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.index.v1+json',
        size: img.manifestDescriptor.size,
        digest: img.manifestDescriptor.digest,
        annotations: { [REF_NAME_ANNOTATION]: 'docker.io/lk/exported:1' },
      },
    ],
  };
  const tarBytes = await makeTar([
    { name: 'oci-layout', content: '{\n\t\t"imageLayoutVersion": "1.0.0"\n\t}' },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    await blob(img.manifest.config),
    ...(await Promise.all(img.layers.map(blob))),
    await blob(img.manifestDescriptor),
    { name: 'index.json', content: JSON.stringify(index, null, '   ') },
  ]);
  await writeFile(join(work, 'lk.tar'), tarBytes);
  const cache = join(work, 'cache');
  const r = runCli(['--cache', cache, 'cache', 'import', join(work, 'lk.tar')]);
  assert.equal(r.status, 0, r.stderr);
  const imported = await LayoutStore.open(cache);
  const entry = await imported.resolve('docker.io/lk/exported:1');
  assert.equal(entry?.mediaType, 'application/vnd.oci.image.manifest.v1+json');
  assert.deepEqual(await rootfsListing(imported, 'docker.io/lk/exported:1'), await rootfsListing(store, 'docker.io/library/app:1'));
});
