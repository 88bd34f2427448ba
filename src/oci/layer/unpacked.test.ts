// The cache of uncompressed layers (src/oci/layer/unpacked.ts): filled by the first read of a
// compressed layer, used by later reads instead of the blob, never trusted when incomplete.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { flattenLayers, type LayerSource } from './flatten.js';
import { UnpackedLayers } from './unpacked.js';
import { collect, makeTar, sha256, tempDir } from '../testing.js';

/** A layer with a file of random (incompressible) bytes, so its blob is over a MiB. */
async function bigLayer(): Promise<{ tar: Buffer; blob: Buffer; diffId: string; data: Buffer }> {
  const data = randomBytes(1536 * 1024);
  const tar = await makeTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/big', content: data },
    { name: 'etc/small', content: 'hi' },
  ]);
  return { tar, blob: gzipSync(tar), diffId: sha256(tar), data };
}

/** A source that counts how often its blob is opened. */
function source(blob: Buffer, layers: UnpackedLayers, diffId: string): LayerSource & { opened: number } {
  const s = {
    name: 'L0',
    opened: 0,
    open: () => {
      s.opened++;
      return Readable.from([blob.subarray(0, 1000), blob.subarray(1000)]);
    },
    unpacked: { layers, diffId },
  };
  return s;
}

async function contents(src: LayerSource): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for await (const e of flattenLayers([src])) out.set(e.path, await collect(e.body));
  return out;
}

const files = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();

test('the first read inflates and keeps the layer under its diff_id; later reads use that copy, not the blob', async (t) => {
  const dir = await tempDir(t);
  const { blob, diffId, tar, data } = await bigLayer();
  const layers = new UnpackedLayers(dir);
  const src = source(blob, layers, diffId);
  const first = await contents(src);
  assert.ok(first.get('etc/big')!.equals(data));
  const hex = diffId.slice('sha256:'.length);
  assert.deepEqual(await files(dir), [hex, `${hex}.size`]);
  assert.ok((await readFile(join(dir, hex))).equals(tar), 'the kept copy is the uncompressed tar');
  assert.equal((await readFile(join(dir, `${hex}.size`), 'utf8')).trim(), String(tar.length));

  const again = await contents(src);
  assert.equal(src.opened, 1, 'the blob was not read a second time');
  assert.deepEqual([...again.keys()], [...first.keys()]);
  assert.ok(again.get('etc/big')!.equals(data));
});

test('a copy whose size does not match (cut short) is not used: the blob is inflated and the copy made again', async (t) => {
  const dir = await tempDir(t);
  const { blob, diffId, tar, data } = await bigLayer();
  const layers = new UnpackedLayers(dir);
  const src = source(blob, layers, diffId);
  await contents(src);
  const hex = diffId.slice('sha256:'.length);
  await truncate(join(dir, hex), 4096);
  assert.ok((await contents(src)).get('etc/big')!.equals(data));
  assert.equal(src.opened, 2);
  assert.equal((await readFile(join(dir, hex))).length, tar.length);
});

test('content that does not hash to the diff_id is read as it is but not kept', async (t) => {
  const dir = await tempDir(t);
  const { blob, data } = await bigLayer();
  const src = source(blob, new UnpackedLayers(dir), sha256('something else'));
  assert.ok((await contents(src)).get('etc/big')!.equals(data));
  assert.deepEqual(await files(dir), []);
});

test('a reader that stops early keeps nothing and leaves no temporary file', async (t) => {
  const dir = await tempDir(t);
  const { blob, diffId } = await bigLayer();
  const src = source(blob, new UnpackedLayers(dir), diffId);
  for await (const e of flattenLayers([src])) {
    assert.equal(e.path, 'etc');
    break;
  }
  assert.deepEqual(await files(dir), []);
});

test('a cache that cannot be written (its directory is a file) costs nothing but the copy', async (t) => {
  const dir = await tempDir(t);
  const { blob, diffId, data } = await bigLayer();
  await writeFile(join(dir, 'layers'), 'not a directory');
  const src = source(blob, new UnpackedLayers(join(dir, 'layers')), diffId);
  assert.ok((await contents(src)).get('etc/big')!.equals(data));
  assert.ok((await contents(src)).get('etc/big')!.equals(data));
  assert.equal(src.opened, 2);
});

test('prune deletes the least recently used layers (and their sizes) beyond the bound', async (t) => {
  const dir = await tempDir(t);
  const made = [];
  for (let i = 0; i < 3; i++) {
    const l = await bigLayer();
    await contents(source(l.blob, new UnpackedLayers(dir), l.diffId));
    made.push(l);
  }
  const hex = made.map((l) => l.diffId.slice('sha256:'.length));
  // Oldest use first: layer 1, then 0, then 2.
  await utimes(join(dir, hex[1]!), 1000, 1000);
  await utimes(join(dir, hex[0]!), 2000, 2000);
  await new UnpackedLayers(dir, 2 * made[0]!.tar.length).prune();
  assert.deepEqual(await files(dir), [hex[0]!, `${hex[0]}.size`, hex[2]!, `${hex[2]}.size`].sort());
  // Reading a layer marks it used: layer 0 is now the newest, so layer 2 goes next.
  await contents(source(made[0]!.blob, new UnpackedLayers(dir), made[0]!.diffId));
  await utimes(join(dir, hex[2]!), 3000, 3000);
  await new UnpackedLayers(dir, made[0]!.tar.length).prune();
  assert.deepEqual(await files(dir), [hex[0]!, `${hex[0]}.size`]);
});

const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version'], { stdio: 'ignore' }).status === 0;

test(
  'a full disk part way through the copy: the read goes on, no copy and no temporary file is left',
  { skip: !canMount && 'needs root to mount a small tmpfs' },
  async (t) => {
    // 512 KiB of room for a 1.5 MiB layer: the copy fails with ENOSPC after a few pieces.
    const dir = join(await tempDir(t), 'small');
    await mkdir(dir);
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir]);
    if (r.status !== 0) return t.skip(`mount failed: ${r.stderr.toString().trim()}`);
    try {
      const { blob, diffId, data } = await bigLayer();
      const src = source(blob, new UnpackedLayers(dir), diffId);
      assert.ok((await contents(src)).get('etc/big')!.equals(data));
      assert.deepEqual(await files(dir), []);
    } finally {
      // Before the temporary directory is removed (after-hooks run in the order they were added).
      spawnSync('umount', [dir]);
    }
  },
);
