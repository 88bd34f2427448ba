// The tar reader and header codec against tar-stream (what they replaced; a development
// dependency kept for this test only) and GNU tar: the same headers and data read back, the
// same bytes written, the same errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, linkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import tar from 'tar-stream';
import { encodeHeaders, type TarHeader } from './header.js';
import { decodePax, encodePax } from './pax.js';
import { readRawTar } from './reader.js';
import { tarBuffer } from './writer.js';

// tar-stream as this project used it: with the PAX codec of pax.ts (binary xattr values, byte
// lengths for UTF-8 names) in place of its own. Its package.json does not export headers.js;
// reach it by file, the same module instance its extract.js and pack.js use.
{
  const require = createRequire(import.meta.url);
  const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as { decodePax: unknown; encodePax: unknown };
  headers.decodePax = decodePax;
  headers.encodePax = encodePax;
}

/** A tree with what tars get wrong: long names and link targets, UTF-8, links, big and empty files. */
function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tar-reader-'));
  const deep = join(dir, 'd'.repeat(60), 'e'.repeat(60), 'f'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'g'.repeat(90)), 'long name\n');
  // Fits ustar only split into prefix and name.
  mkdirSync(join(dir, 'p'.repeat(80)));
  writeFileSync(join(dir, 'p'.repeat(80), 'q'.repeat(80)), 'prefix\n');
  writeFileSync(join(dir, 'grüße.txt'), 'utf-8 name\n');
  writeFileSync(join(dir, 'empty'), '');
  // Not a multiple of 512 and larger than one input chunk.
  const big = Buffer.alloc(700_001);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
  writeFileSync(join(dir, 'big'), big);
  symlinkSync('x'.repeat(150), join(dir, 'longlink'));
  symlinkSync('big', join(dir, 'short'));
  linkSync(join(dir, 'big'), join(dir, 'hard'));
  return dir;
}

function gnuTar(dir: string, format: string): Buffer {
  return execFileSync('tar', ['--format', format, '--sort=name', '--mtime=@1500000000', '--owner=0', '--group=0', '-C', dir, '-cf', '-', '.'], {
    maxBuffer: 64 << 20,
  });
}

/** Splits a buffer into uneven chunks, so headers and data straddle chunk boundaries. */
function chunked(buf: Buffer, sizes = [1, 511, 1000, 70_000, 3]): Readable {
  const parts: Buffer[] = [];
  for (let off = 0, i = 0; off < buf.length; i++) {
    const n = sizes[i % sizes.length]!;
    parts.push(buf.subarray(off, off + n));
    off += n;
  }
  return Readable.from(parts);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function withTarStream(buf: Buffer): Promise<Array<[tar.Header, string]>> {
  const out: Array<[tar.Header, string]> = [];
  const extract = tar.extract();
  Readable.from([buf]).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    const parts: Buffer[] = [];
    for await (const c of e) parts.push(c as Buffer);
    const { byteOffset: _, ...h } = e.header as tar.Header & { byteOffset?: number };
    out.push([h as tar.Header, sha(Buffer.concat(parts))]);
  }
  return out;
}

async function withReader(source: Readable, bodies: 'chunks' | 'stream' | 'skip-some'): Promise<Array<[unknown, string]>> {
  const out: Array<[unknown, string]> = [];
  let i = 0;
  for await (const { header, body } of readRawTar(source)) {
    const parts: Buffer[] = [];
    const skip = bodies === 'skip-some' && i++ % 2 === 0;
    if (!skip) for await (const c of bodies === 'stream' ? body : body.chunks()) parts.push(Buffer.from(c as Buffer));
    out.push([header, skip ? 'skipped' : sha(Buffer.concat(parts))]);
  }
  return out;
}

for (const format of ['gnu', 'pax', 'ustar']) {
  test(`reads GNU tar's ${format} format as tar-stream does, across chunk boundaries`, async () => {
    const dir = makeTree();
    try {
      // ustar cannot hold the 150-byte link target nor a 275-byte path: leave them out there.
      if (format === 'ustar') {
        rmSync(join(dir, 'longlink'));
        rmSync(join(dir, 'd'.repeat(60)), { recursive: true });
      }
      const buf = gnuTar(dir, format);
      const expected = await withTarStream(buf);
      assert.ok(expected.length >= 8, `${expected.length} entries`);
      assert.deepEqual(await withReader(chunked(buf), 'chunks'), expected);
      assert.deepEqual(await withReader(Readable.from([buf]), 'stream'), expected);
      const skipped = await withReader(chunked(buf), 'skip-some');
      assert.deepEqual(
        skipped.map(([h]) => h),
        expected.map(([h]) => h),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a truncated or corrupt tar is an error, as with tar-stream', async () => {
  const dir = makeTree();
  try {
    const buf = gnuTar(dir, 'pax');
    await assert.rejects(withReader(chunked(buf.subarray(0, 5000)), 'chunks'), /Unexpected end of data/);
    await assert.rejects(withReader(chunked(buf.subarray(0, 1000)), 'skip-some'), /Unexpected end of data/);
    const bad = Buffer.from(buf);
    bad[10] = bad[10]! ^ 0xff;
    await assert.rejects(withReader(chunked(bad), 'chunks'), /Invalid tar header/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stopping early closes the source', async () => {
  const dir = makeTree();
  try {
    const source = chunked(gnuTar(dir, 'gnu'));
    for await (const _ of readRawTar(source)) break;
    assert.equal(source.destroyed, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('headers are encoded byte for byte as tar-stream pack encodes them', async () => {
  const mtime = new Date(1_492_533_000_000);
  const cases: TarHeader[] = [
    { name: 'etc/hosts', type: 'file', mode: 0o644, uid: 0, gid: 0, size: 12, mtime },
    { name: 'usr/bin', type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime, uname: 'root', gname: 'root' },
    { name: 'a/' + 'b'.repeat(120) + '/c', type: 'file', mode: 0o4755, uid: 1000, gid: 100, size: 0, mtime },
    { name: 'x'.repeat(300), type: 'file', mode: 0o600, uid: 0, gid: 0, size: 3, mtime },
    { name: 'grüße', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime, linkname: 'héllo' },
    { name: 'l', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime, linkname: 't'.repeat(101) },
    { name: 'dev/null', type: 'character-device', mode: 0o666, uid: 0, gid: 0, size: 0, mtime, devmajor: 1, devminor: 3 },
    { name: 'h', type: 'link', mode: 0o644, uid: 0, gid: 0, size: 0, mtime, linkname: 'etc/hosts' },
    { name: 'huge', type: 'file', mode: 0o644, uid: 3_000_000, gid: 0, size: 9_000_000_000, mtime },
    {
      name: 'bin/ping',
      type: 'file',
      mode: 0o755,
      uid: 0,
      gid: 0,
      size: 70_000,
      mtime,
      pax: { 'SCHILY.xattr.security.capability': '\x01\x00\x00\x02\x00\x20\x00\x00', 'LINUXKIT.source': 'docker.io/x:1', 'LINUXKIT.location': 'services[0]' },
    },
  ];
  for (const h of cases) {
    const pack = tar.pack();
    const parts: Buffer[] = [];
    pack.on('data', (c: unknown) => parts.push(c as Buffer));
    pack.on('error', () => undefined);
    // tar-stream writes the headers before any data: take them from an entry left open.
    const sink = pack.entry({ ...h, pax: h.pax ? { ...h.pax } : undefined } as tar.Header);
    sink.on('error', () => undefined);
    await new Promise((r) => setImmediate(r));
    const got = encodeHeaders(h);
    assert.equal(Buffer.concat(parts).subarray(0, got.length).toString('hex'), got.toString('hex'), h.name);
    sink.destroy();
    pack.destroy();
  }
});

test('a tar written by the header codec is read back by GNU tar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tar-header-'));
  try {
    const data = Buffer.from('hello\n');
    const h: TarHeader = {
      name: 'dir/' + 'n'.repeat(150),
      type: 'file',
      mode: 0o640,
      uid: 7,
      gid: 8,
      size: data.length,
      mtime: new Date(1e12),
      pax: { 'LINUXKIT.source': 's' },
    };
    const tarBuf = Buffer.concat([encodeHeaders(h), data, Buffer.alloc(512 - data.length), Buffer.alloc(1024)]);
    writeFileSync(join(dir, 't.tar'), tarBuf);
    const list = execFileSync('tar', ['--numeric-owner', '-tvf', join(dir, 't.tar')], { encoding: 'utf8' });
    assert.match(list, /-rw-r----- 7\/8 +6 .* dir\/n{150}\n/);
    execFileSync('tar', ['-xf', join(dir, 't.tar'), '-C', dir]);
    assert.equal(readFileSync(join(dir, 'dir', 'n'.repeat(150)), 'utf8'), 'hello\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('whole archives are written byte for byte as tar-stream pack wrote them', async () => {
  const mtime = new Date(1_500_000_000_000);
  const big = Buffer.alloc(300_000, 7);
  const items: Array<{ header: TarHeader; data?: Buffer }> = [
    { header: { name: 'etc/', type: 'directory', mode: 0o755, mtime } },
    { header: { name: 'etc/hosts', mode: 0o644, mtime, uname: 'root' }, data: Buffer.from('127.0.0.1 localhost\n') },
    { header: { name: 'big', mode: 0o600, uid: 1000, gid: 1000, mtime }, data: big },
    { header: { name: 'empty', mtime }, data: Buffer.alloc(0) },
    { header: { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox', mode: 0o777, mtime } },
    { header: { name: 'dev/console', type: 'character-device', devmajor: 5, devminor: 1, mode: 0o600, mtime } },
    { header: { name: 'l'.repeat(250), type: 'link', linkname: 'etc/hosts', mtime } },
    {
      header: { name: 'ping', mode: 0o755, mtime, pax: { 'SCHILY.xattr.security.capability': '\x01\x00\x00\x02\x00\x20\x00\x00\xff', 'LINUXKIT.source': 'x' } },
      data: Buffer.from('ping'),
    },
  ];
  const pack = tar.pack();
  const parts: Buffer[] = [];
  const read = (async () => {
    for await (const c of pack) parts.push(c as Buffer);
  })();
  for (const it of items) {
    const h = { ...it.header, pax: it.header.pax ? { ...it.header.pax } : undefined } as tar.Header;
    await new Promise<void>((resolve, reject) => pack.entry(h, it.data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await read;
  const expected = Buffer.concat(parts);
  assert.equal(sha((await tarBuffer(items)) as Buffer), sha(expected));
  // Streamed data gives the same bytes as data in memory.
  const streamed = items.map((it) => ({
    header: { ...it.header, size: it.data?.length },
    data: it.data && Readable.from([it.data.subarray(0, 1000), it.data.subarray(1000)]),
  }));
  assert.equal(sha(await tarBuffer(streamed)), sha(expected));
});

test('the writer writes hostile entries as given; the readers judge them', async () => {
  const buf = await tarBuffer([
    { header: { name: '../escape', mtime: new Date(0) }, data: 'x' },
    { header: { name: '/abs/../../up', type: 'symlink', linkname: '../../../etc/shadow', mtime: new Date(0) } },
    { header: { name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1, mode: 0o666, mtime: new Date(0) } },
    { header: { name: 'p'.repeat(300), mtime: new Date(0), pax: { path: 'ignored', 'SCHILY.xattr.user.x': '\xff\x00' } }, data: 'y' },
  ]);
  const names: Array<[string, string | null, Record<string, string> | null]> = [];
  for await (const { header } of readRawTar(Readable.from([buf]))) names.push([header.name, header.linkname, header.pax]);
  assert.deepEqual(
    names.map(([n, l]) => [n, l]),
    [
      ['../escape', null],
      ['/abs/../../up', '../../../etc/shadow'],
      ['dev/mem', null],
      ['p'.repeat(300), null],
    ],
  );
  assert.deepEqual(names[3]![2], { path: 'p'.repeat(300), 'SCHILY.xattr.user.x': '\xff\x00' });
  // A size that does not match the data is an error, not a corrupt archive.
  await assert.rejects(tarBuffer([{ header: { name: 'f', size: 5 }, data: 'abc' }]), /header size 5 but data 3/);
});
