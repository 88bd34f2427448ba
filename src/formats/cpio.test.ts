import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CpioWriter, type CpioSink } from './cpio.js';
import { UserError } from '../util/index.js';

/** A sink that keeps everything in memory, with patching, like PatchWindow without limit. */
class MemorySink implements CpioSink {
  parts: Buffer[] = [];
  offset = 0;
  async write(buf: Buffer): Promise<void> {
    this.parts.push(Buffer.from(buf));
    this.offset += buf.length;
  }
  patch(offset: number, bytes: Buffer): boolean {
    const all = this.bytes();
    bytes.copy(all, offset);
    this.parts = [all];
    return true;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

async function sample(): Promise<Buffer> {
  const sink = new MemorySink();
  const w = new CpioWriter(sink);
  await w.header({ name: 'bin', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 1000 });
  const data = Buffer.from('hello, world\n');
  const f = await w.header({ name: 'bin/hello', type: 'file', mode: 0o4755, uid: 1000, gid: 100, mtime: 2000, size: data.length });
  await w.data(data.subarray(0, 5));
  await w.data(data.subarray(5));
  assert.ok(w.setLinkCount(f, 2));
  await w.header({ name: 'bin/hello2', type: 'file', mode: 0o4755, uid: 1000, gid: 100, mtime: 2000, size: 0, ino: f.ino, nlink: 2 });
  await w.header({ name: 'bin/link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: 3000, linkTarget: 'hello' });
  await w.header({ name: 'dev', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 1000 });
  await w.header({ name: 'dev/console', type: 'char', mode: 0o600, uid: 0, gid: 5, mtime: 1000, devmajor: 5, devminor: 1 });
  await w.header({ name: 'dev/sda', type: 'block', mode: 0o660, uid: 0, gid: 6, mtime: 1000, devmajor: 8, devminor: 0 });
  await w.header({ name: 'dev/pipe', type: 'fifo', mode: 0o644, uid: 0, gid: 0, mtime: 1000 });
  await w.end();
  return sink.bytes();
}

test('cpio: newc layout — magic, 4-byte alignment, trailer, 512-byte end', async () => {
  const a = await sample();
  assert.equal(a.subarray(0, 6).toString(), '070701');
  assert.equal(a.length % 512, 0);
  const trailer = a.indexOf('TRAILER!!!');
  assert.ok(trailer > 0);
  const header = a.subarray(trailer - 110, trailer).toString('latin1');
  assert.equal(header.slice(0, 6), '070701');
  assert.equal(header.slice(14, 22), '00000000', 'trailer mode is 0, as GNU cpio writes it');
  assert.equal((trailer - 110) % 4, 0, 'every header starts on a 4-byte boundary');
  assert.ok(
    a.subarray(trailer + 11).every((b) => b === 0),
    'only zeros after the trailer name',
  );
});

test('cpio: GNU cpio lists modes, owners, links, devices and symlink targets', async () => {
  const r = spawnSync('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: await sample(), encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/));
  const byName = new Map(lines.map((l) => [l.at(-1) === 'hello' ? l.at(-3)! : l.at(-1)!, l]));
  assert.deepEqual([...byName.keys()], ['bin', 'bin/hello', 'bin/hello2', 'bin/link', 'dev', 'dev/console', 'dev/sda', 'dev/pipe']);
  assert.deepEqual(byName.get('bin/hello')!.slice(0, 5), ['-rwsr-xr-x', '2', '1000', '100', '13']);
  assert.deepEqual(byName.get('bin/hello2')!.slice(0, 4), ['-rwsr-xr-x', '2', '1000', '100']);
  assert.equal(byName.get('bin/link')![0], 'lrwxrwxrwx');
  assert.match(r.stdout, /bin\/link -> hello/);
  assert.deepEqual(byName.get('dev/console')!.slice(0, 6), ['crw-------', '1', '0', '5', '5,', '1']);
  assert.deepEqual(byName.get('dev/sda')!.slice(0, 6), ['brw-rw----', '1', '0', '6', '8,', '0']);
  assert.equal(byName.get('dev/pipe')![0], 'prw-r--r--');
  assert.equal(byName.get('bin')![0], 'drwxr-xr-x');
});

test('cpio: the same entries give the same bytes', async () => {
  assert.deepEqual(await sample(), await sample());
});

test('cpio: a file of 4 GiB or more is an error, not a corrupt or silently short archive', async () => {
  const w = new CpioWriter(new MemorySink());
  await assert.rejects(
    w.header({ name: 'var/big.img', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 2 ** 32 }),
    (err: unknown) => err instanceof UserError && /var\/big\.img.*4 GiB/.test(err.message),
  );
  // Just under the limit is fine (the header is written; data would follow).
  await w.header({ name: 'var/ok.img', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 2 ** 32 - 1 });
});

test('cpio: data longer than the header said is refused', async () => {
  const w = new CpioWriter(new MemorySink());
  await w.header({ name: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: 0, size: 2 });
  await assert.rejects(w.data(Buffer.from('abc')), /1 bytes more/);
});
