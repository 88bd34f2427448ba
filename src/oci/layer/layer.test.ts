// Layers: compression by magic, flattening with whiteouts, and unpacking to a directory that
// nothing can escape.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decompressed, detectCompression } from './decompress.js';
import { extractToDirectory } from './extract.js';
import { flattenLayers, type FlatEntry, type LayerSource } from './flatten.js';
import { packEntries, readTar } from '../../tar/index.js';
import { UserError } from '../../util/index.js';
import { collect, makeTar, tempDir } from '../testing.js';

const source = (name: string, data: Buffer): LayerSource => ({ name, open: () => Readable.from([data]) });

async function flat(layers: Buffer[]): Promise<Map<string, FlatEntry & { content: string }>> {
  const out = new Map<string, FlatEntry & { content: string }>();
  for await (const e of flattenLayers(layers.map((l, i) => source(`L${i}`, i % 2 ? gzipSync(l) : l)))) {
    out.set(e.path, { ...e, content: (await collect(e.body)).toString() });
  }
  return out;
}

// A valid VFS_CAP_REVISION_2 value (the kernel checks): effective, permitted cap_net_raw.
const CAP_NET_RAW = Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, ...Array(12).fill(0)]);

const hasZstd = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;

test('layers are decoded by their magic bytes: plain, gzip, zstd', { skip: !hasZstd && 'zstd not installed' }, async () => {
  const tarBytes = await makeTar([{ name: 'hello', content: 'world' }]);
  const zst = spawnSync('zstd', ['-q', '-c'], { input: tarBytes }).stdout;
  for (const [data, kind] of [
    [tarBytes, 'none'],
    [gzipSync(tarBytes), 'gzip'],
    [zst, 'zstd'],
  ] as const) {
    assert.equal(detectCompression(data), kind);
    const { stream, compression } = await decompressed(Readable.from([data.subarray(0, 2), data.subarray(2)]));
    assert.equal(compression, kind);
    const names: string[] = [];
    for await (const e of readTar(stream)) names.push(`${e.path}=${(await collect(e.body)).toString()}`);
    assert.deepEqual(names, ['hello=world']);
  }
  const bad = Buffer.concat([zst.subarray(0, 20), Buffer.alloc(50, 7)]);
  await assert.rejects(async () => {
    for await (const e of readTar((await decompressed(Readable.from([bad]))).stream)) e.body.resume();
  }, /zstd/);
});

test('flattening applies whiteouts, opaque directories and replaced directories across layers', async () => {
  const l0 = await makeTar([
    { name: 'etc/', type: 'directory', mode: 0o755 },
    { name: 'etc/keep', content: 'keep' },
    { name: 'etc/gone', content: 'gone' },
    { name: 'etc/over', content: 'old' },
    { name: 'opq/', type: 'directory' },
    { name: 'opq/old', content: 'old' },
    { name: 'dir2file/', type: 'directory' },
    { name: 'dir2file/child', content: 'c' },
    { name: 'wdir/', type: 'directory' },
    { name: 'wdir/sub/x', content: 'x' },
    { name: 'target', content: 'linked' },
    { name: 'reborn/', type: 'directory' },
    { name: 'reborn/old', content: 'old' },
  ]);
  const l1 = await makeTar([
    { name: 'etc/.wh.gone' },
    { name: 'etc/over', content: 'new', mode: 0o600, uid: 7, gid: 8 },
    { name: 'opq/.wh..wh..opq' },
    { name: 'opq/new', content: 'new' },
    { name: 'dir2file', content: 'now a file' },
    { name: '.wh.wdir' },
    { name: 'hard', type: 'link', linkname: 'target' },
    { name: '.wh.reborn' },
  ]);
  const l2 = await makeTar([{ name: 'reborn/new', content: 'new' }]);
  const fs = await flat([l0, l1, l2]);
  assert.deepEqual([...fs.keys()].sort(), ['dir2file', 'etc', 'etc/keep', 'etc/over', 'hard', 'opq', 'opq/new', 'reborn/new', 'target']);
  assert.equal(fs.get('etc/over')!.content, 'new');
  assert.equal(fs.get('etc/over')!.mode, 0o600);
  assert.equal(fs.get('etc/over')!.uid, 7);
  assert.equal(fs.get('etc/over')!.layer, 1);
  assert.equal(fs.get('dir2file')!.type, 'file');
  assert.equal(fs.get('hard')!.type, 'link');
  assert.equal(fs.get('hard')!.linkname, 'target');
  // Order is layer order: the hard link's target comes first.
  const order = [...fs.keys()];
  assert.ok(order.indexOf('target') < order.indexOf('hard'));
});

async function specialLayer(): Promise<Buffer> {
  return makeTar([
    { name: 'bin/', type: 'directory', mode: 0o755, uid: 0, gid: 0 },
    { name: 'bin/tool', content: '#!/bin/sh\n', mode: 0o4755, uid: 1000, gid: 1001, mtime: new Date('2020-01-02T03:04:05Z') },
    { name: 'bin/sh', type: 'symlink', linkname: '/bin/tool' },
    { name: 'bin/hl', type: 'link', linkname: 'bin/tool' },
    { name: 'dev/', type: 'directory' },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: 'dev/loop0', type: 'block-device', devmajor: 7, devminor: 0, mode: 0o660 },
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'cap', content: 'x', pax: { 'SCHILY.xattr.security.capability': CAP_NET_RAW.toString('latin1') } },
  ]);
}

test('entries keep types, modes, owners, times, devices and binary xattrs through flatten and repack', async (t) => {
  const fs = await flat([await specialLayer()]);
  assert.equal(fs.get('bin/tool')!.mode, 0o4755);
  assert.equal(fs.get('bin/tool')!.uid, 1000);
  assert.equal(fs.get('bin/tool')!.mtime.toISOString(), '2020-01-02T03:04:05.000Z');
  assert.equal(fs.get('bin/sh')!.linkname, '/bin/tool');
  assert.deepEqual([fs.get('dev/null')!.type, fs.get('dev/null')!.devmajor, fs.get('dev/null')!.devminor], ['character-device', 1, 3]);
  assert.equal(fs.get('dev/loop0')!.type, 'block-device');
  assert.equal(fs.get('run/fifo')!.type, 'fifo');
  const cap = CAP_NET_RAW;
  assert.deepEqual(fs.get('cap')!.xattrs['security.capability'], cap);
  // Through packEntries and back: nothing lost.
  const repacked = await collect(packEntries(flattenLayers([source('L0', await specialLayer())])));
  const again = await flat([repacked]);
  assert.deepEqual(again.get('cap')!.xattrs['security.capability'], cap);
  assert.equal(again.get('bin/tool')!.mode, 0o4755);
  assert.equal(again.get('bin/hl')!.linkname, 'bin/tool');
  // GNU tar reads the xattr too.
  const tarFile = join(await tempDir(t), 'repacked.tar');
  await writeFile(tarFile, repacked);
  const listing = spawnSync('tar', ['--xattrs', '--xattrs-include=*', '-tvvf', tarFile], { encoding: 'utf8' });
  assert.equal(listing.status, 0, listing.stderr);
  assert.match(listing.stdout, /-rwsr-xr-x\s+1000\/1001 .* bin\/tool\n/);
  assert.match(listing.stdout, /bin\/hl link to bin\/tool\n/);
  assert.match(listing.stdout, /crw-rw-rw-\s+0\/0\s+1,3 .* dev\/null\n/);
  assert.match(listing.stdout, / cap\n\s+x: 20 security\.capability\n/, 'GNU tar sees the 20-byte capability');
});

test('unpacking to a directory recreates files, links, modes and times', async (t) => {
  const root = await tempDir(t);
  await extractToDirectory(flattenLayers([source('L0', await specialLayer())]), join(root, 'fs'));
  const fsRoot = join(root, 'fs');
  const st = await stat(join(fsRoot, 'bin/tool'));
  assert.equal(st.mode & 0o7777, 0o4755);
  assert.equal(st.mtime.toISOString(), '2020-01-02T03:04:05.000Z');
  assert.equal(await readlink(join(fsRoot, 'bin/sh')), '/bin/tool');
  assert.equal((await stat(join(fsRoot, 'bin/hl'))).ino, st.ino);
  assert.ok((await lstat(join(fsRoot, 'run/fifo'))).isFIFO());
  if (process.getuid?.() === 0) {
    assert.equal(st.uid, 1000);
    if (spawnSync('getfattr', ['--version'], { stdio: 'ignore' }).status === 0) {
      const attrs = spawnSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', join(fsRoot, 'cap')], { encoding: 'utf8' });
      assert.match(attrs.stdout, /security\.capability=0x0100000200200000000000000000000000000000/);
    }
    const dev = await lstat(join(fsRoot, 'dev/null'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, (1 << 8) | 3);
  }
});

test('entries that would land outside the root are contained or refused', async (t) => {
  const base = await tempDir(t);
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  await mkdir(outside);
  await writeFile(join(outside, 'secret'), 'secret');
  const unpack = async (entries: Parameters<typeof makeTar>[0]) => extractToDirectory(flattenLayers([source('evil', await makeTar(entries))]), root);

  // `..` climbing out: refused with an error.
  await assert.rejects(unpack([{ name: '../outside/evil', content: 'x' }]), (e: Error) => e instanceof UserError && /outside the root/.test(e.message));
  await assert.rejects(unpack([{ name: 'a/../../outside/evil', content: 'x' }]), /outside the root/);
  await assert.rejects(unpack([{ name: 'hl', type: 'link', linkname: '../outside/secret' }]), /outside the root/);

  // Absolute paths and symlinks pointing out are taken relative to the root.
  await unpack([
    { name: '/abs', content: 'abs' },
    { name: 'up', type: 'symlink', linkname: '../../../../..' + outside },
    { name: 'up/evil1', content: 'x' },
    { name: 'absl', type: 'symlink', linkname: outside },
    { name: 'absl/evil2', content: 'x' },
    { name: 'absl/secret', content: 'overwritten?' },
    { name: 'chain', type: 'symlink', linkname: 'absl' },
    { name: 'chain/evil3', content: 'x' },
    { name: 'sl', type: 'symlink', linkname: join(outside, 'secret') },
    { name: 'hl2', type: 'link', linkname: 'sl' },
    { name: 'sl', content: 'replaces the link, not its target' },
  ]);
  assert.equal(await readFile(join(root, 'abs'), 'utf8'), 'abs');
  assert.deepEqual((await readdir(outside)).sort(), ['secret'], 'nothing was written outside the root');
  assert.equal(await readFile(join(outside, 'secret'), 'utf8'), 'secret');
  assert.ok(existsSync(join(root, outside.slice(1), 'evil1')), 'write through the symlink stayed inside the root');
  assert.ok(existsSync(join(root, outside.slice(1), 'evil2')));
  assert.ok(existsSync(join(root, outside.slice(1), 'evil3')));
  assert.equal(await readFile(join(root, 'sl'), 'utf8'), 'replaces the link, not its target');
  assert.ok((await lstat(join(root, 'hl2'))).isSymbolicLink(), 'a hard link to a symlink is a link to the symlink itself');
});

test('a consumer that stops early closes the layer streams', async () => {
  const opened: Readable[] = [];
  const data = gzipSync(
    await makeTar([
      { name: 'a', content: 'a' },
      { name: 'b', content: 'b' },
    ]),
  );
  const layers = [0, 1].map((i) => ({
    name: `L${i}`,
    open: () => {
      const s = Readable.from([data]);
      opened.push(s);
      return s;
    },
  }));
  let e0layer = -1;
  for await (const e of flattenLayers(layers)) {
    assert.equal(e.path, 'a');
    e0layer = e.layer;
    break;
  }
  assert.equal(opened.length, 3, 'pass 1 read L1; pass 2 read L0 (all hidden by L1) and opened L1');
  assert.equal(e0layer, 1);
  await new Promise((r) => setImmediate(r));
  assert.ok(
    opened.every((s) => s.destroyed),
    'every opened layer stream was closed',
  );
});

test('bodies left unread are drained, and later bodies still read right', async () => {
  const big = Buffer.alloc(300_000, 0x61);
  const layer = await makeTar([
    { name: 'big', content: big },
    { name: 'small', content: 'tail' },
  ]);
  const seen: string[] = [];
  for await (const e of flattenLayers([source('L0', gzipSync(layer))])) {
    seen.push(e.path);
    if (e.path === 'small') assert.equal((await collect(e.body)).toString(), 'tail');
  }
  assert.deepEqual(seen, ['big', 'small']);
});
