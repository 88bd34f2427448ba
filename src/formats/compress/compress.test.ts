import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { compressorIdentity, createCompressor } from './index.js';
import type { Compression } from '../types.js';
import { ENV_IGZIP, installedIgzip } from '../../util/index.js';

/** 5.5 MiB of compressible, non-repeating data: several 1 MiB chunks and a short last one. */
function sampleData(): Buffer {
  const lines: string[] = [];
  for (let i = 0; lines.length < 120_000; i++) lines.push(`line ${i} ${(i * 2654435761) % 1000003} lorem ipsum dolor\n`);
  return Buffer.from(lines.join('')).subarray(0, 5.5 * 1024 * 1024);
}

async function compress(c: Compression, data: Buffer, threads: number, dir: string, level?: number): Promise<Buffer> {
  const chunk = 1024 * 1024;
  const path = join(dir, `${c}-${threads}-${level}`);
  const comp = await createCompressor(c, path, { threads, level });
  for (let off = 0; off < data.length; off += chunk) await comp.write(data.subarray(off, off + chunk));
  await comp.end();
  return readFile(path);
}

/** Runs `fn` with LINUXKIT_IGZIP set to `value` (or unset). */
async function withIgzipEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env[ENV_IGZIP];
  if (value === undefined) delete process.env[ENV_IGZIP];
  else process.env[ENV_IGZIP] = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[ENV_IGZIP];
    else process.env[ENV_IGZIP] = before;
  }
}

test('parallel gzip (zlib, a level asked for): one standard member that gunzip and gzip -t accept, same bytes whatever the thread count', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgz-'));
  try {
    const data = sampleData();
    const one = await compress('gzip', data, 1, dir, 1);
    const two = await compress('gzip', data, 2, dir, 1);
    const eight = await compress('gzip', data, 8, dir, 1);
    assert.deepEqual(gunzipSync(two), data);
    assert.deepEqual(one, two, 'output must not depend on parallelism');
    assert.deepEqual(two, eight);
    const t = spawnSync('gzip', ['-t'], { input: two });
    assert.equal(t.status, 0, t.stderr.toString());
    // One member: gzip -l sees the right uncompressed size (mod 2^32) in the single trailer.
    assert.equal(two.readUInt32LE(two.length - 4), data.length);
    // Chunks share a dictionary: no worse than 1 % over one-shot zlib at the same (default) level.
    const { gzipSync } = await import('node:zlib');
    assert.ok(two.length < gzipSync(data, { level: 1 }).length * 1.01, `${two.length} vs ${gzipSync(data, { level: 1 }).length}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'LINUXKIT_IGZIP=on: gzip by igzip (valid, no name, mtime 0); by default zlib level 1',
  { skip: !installedIgzip() && 'igzip (Debian isal) not installed' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgz-'));
    try {
      const data = sampleData();
      const zlibLevel1 = await compress('gzip', data, 2, dir, 1);
      assert.deepEqual(await compress('gzip', data, 2, dir), zlibLevel1, 'by default: zlib at level 1');
      assert.match(compressorIdentity('gzip', undefined), /^gzip-1-zlib/);

      await withIgzipEnv('on', async () => {
        // Not compared with a second run: igzip's bytes are not always the same (src/util/igzip.ts).
        const one = await compress('gzip', data, 2, dir);
        assert.deepEqual(gunzipSync(one), data);
        const t = spawnSync('gzip', ['-t'], { input: one });
        assert.equal(t.status, 0, t.stderr.toString());
        // No file name, mtime 0.
        assert.deepEqual([...one.subarray(0, 8)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        assert.notDeepEqual(one, zlibLevel1, 'igzip, not zlib, made it');
        assert.ok(one.length < zlibLevel1.length * 1.05, `igzip ${one.length} vs zlib -1 ${zlibLevel1.length}`);
        assert.match(compressorIdentity('gzip', undefined), /^gzip-igzip\d+\.\d+\.\d+-/);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('gzip: empty input is a valid empty gzip file (igzip and zlib)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgz-'));
  try {
    if (installedIgzip()) await withIgzipEnv('on', async () => assert.equal(gunzipSync(await compress('gzip', Buffer.alloc(0), 2, dir)).length, 0));
    assert.equal(gunzipSync(await compress('gzip', Buffer.alloc(0), 2, dir, 1)).length, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('zstd and lz4 (legacy frames) through the Debian tools round-trip', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pgz-'));
  try {
    const data = sampleData();
    const z = await compress('zstd', data, 2, dir);
    assert.equal(z.readUInt32LE(0), 0xfd2fb528, 'zstd frame magic');
    assert.deepEqual(spawnSync('zstd', ['-d', '-c'], { input: z, maxBuffer: 64 << 20 }).stdout, data);
    const l = await compress('lz4', data, 2, dir);
    assert.equal(l.readUInt32LE(0), 0x184c2102, 'lz4 legacy magic: the only lz4 framing the kernel reads');
    assert.deepEqual(spawnSync('lz4', ['-d', '-c'], { input: l, maxBuffer: 64 << 20 }).stdout, data);
    const n = await compress('none', data, 2, dir);
    assert.deepEqual(n, data);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('compressor: a bad level is a user error', async () => {
  await assert.rejects(createCompressor('gzip', '/nonexistent/x', { level: 12 }), /between 1 and 9/);
});
