// TarSink.entries() must give a format exactly what it would read back from the tar stream
// (the build relies on it for byte-identical kernel+initrd outputs with and without a tar).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readRecords, type TarRecord } from '../tar/index.js';
import { TarSink, type OutEntry } from './tar-sink.js';

interface Seen {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  pax: Record<string, string>;
  body: string;
}

async function collect(entries: AsyncIterable<TarRecord>): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const e of entries) {
    const h = e.header;
    const chunks: Buffer[] = [];
    for await (const c of e.body) chunks.push(c);
    const pax = { ...((h.pax as Record<string, string> | undefined) ?? {}) };
    // Spelling of long names inside the tar, not information.
    delete pax.path;
    delete pax.linkpath;
    out.push({
      name: e.name,
      type: h.type ?? 'file',
      mode: h.mode ?? 0,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      size: h.size ?? 0,
      mtime: h.mtime!.getTime(),
      linkname: h.linkname ?? '',
      devmajor: h.devmajor ?? 0,
      devminor: h.devminor ?? 0,
      pax,
      // A digest-like summary: bodies may be MiBs.
      body: `${Buffer.concat(chunks).length}:${Buffer.concat(chunks).subarray(-16).toString('hex')}`,
    });
  }
  return out;
}

const PAX = { 'LINUXKIT.source': 'docker.io/x/y:1', 'LINUXKIT.location': 'services[0]' };
const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7); // several chunks, past the channel's read-ahead
big.write('end of the big file', big.length - 19);

function base(path: string, type: OutEntry['type'], extra: Partial<OutEntry> = {}): OutEntry {
  return { path, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: new Date(1_500_000_000_750), pax: PAX, ...extra };
}

async function addAll(sink: TarSink): Promise<void> {
  await sink.add(base('etc', 'directory', { mode: 0 })); // tar's default mode for a zero one
  await sink.add(base('etc/motd', 'file', { size: 6, mode: 0o104755, uid: 1000, gid: 50 }), 'hello\n');
  await sink.add(base('usr/lib/big.bin', 'file', { size: big.length }), Readable.from(chunked(big, 100_000)));
  await sink.add(base('usr/lib/big-link', 'link', { linkname: 'usr/lib/big.bin' }));
  await sink.add(base('bin/sh', 'symlink', { linkname: '/bin/busybox', mode: 0o777 }));
  await sink.add(base('dev/null', 'character-device', { devmajor: 1, devminor: 3 }));
  await sink.add(base(`deep/${'d'.repeat(120)}/${'f'.repeat(90)}`, 'file', { size: 2 }), Buffer.from('ok'));
  await sink.add(base('caps', 'file', { size: 1, xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0xff]) } }), 'c');
  await sink.add(base('nopax', 'file', { size: 0, pax: undefined }), Readable.from([]));
  sink.finish();
}

function* chunked(b: Buffer, n: number): Generator<Buffer> {
  for (let i = 0; i < b.length; i += n) yield b.subarray(i, i + n);
}

describe('TarSink.entries (tar-less hand-over to formats)', () => {
  it('gives the same names, headers, PAX records and bodies as reading the tar back', async () => {
    const sink = new TarSink();
    const direct = collect(sink.entries());
    const viaTar = collect(readRecords(sink.stream));
    await addAll(sink);
    const [a, b] = await Promise.all([direct, viaTar]);
    assert.equal(a.length, 9);
    assert.deepEqual(a, b);
    assert.equal(a[0]!.mode, 0o755);
    assert.equal(a[2]!.body, `${big.length}:${big.subarray(-16).toString('hex')}`);
  });

  it('works with no tar at all, and unread bodies are skipped', async () => {
    const sink = new TarSink({ tar: false });
    const names: string[] = [];
    const reading = (async () => {
      for await (const e of sink.entries()) names.push(e.name); // never reads a body
    })();
    await addAll(sink);
    await reading;
    assert.equal(names.length, 9);
    assert.equal(names[2], 'usr/lib/big.bin');
  });

  it('a consumer that stops early stops the producer with an error instead of a hang', async () => {
    const sink = new TarSink({ tar: false });
    const reading = (async () => {
      for await (const e of sink.entries()) if (e.name === 'usr/lib/big.bin') throw new Error('disk full');
    })();
    const failed = assert.rejects(reading, /disk full/);
    await assert.rejects(addAll(sink), /stopped reading/);
    await failed;
  });

  it('an aborted build reaches the consumer as an error', async () => {
    const sink = new TarSink({ tar: false });
    const reading = collect(sink.entries());
    await sink.add(base('etc', 'directory'));
    sink.abort(new Error('image missing'));
    await assert.rejects(reading, /image missing/);
  });

  it('an abort in the middle of a body reaches the consumer reading it', async () => {
    const sink = new TarSink({ tar: false });
    const reading = collect(sink.entries());
    const failed = assert.rejects(reading, /layer truncated/);
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(10));
    const adding = sink.add(base('f', 'file', { size: 100 }), body);
    await new Promise((r) => setTimeout(r, 20));
    sink.abort(new Error('layer truncated'));
    body.destroy(new Error('layer truncated'));
    await failed;
    await assert.rejects(adding);
  });
});
