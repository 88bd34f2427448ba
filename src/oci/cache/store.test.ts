// The cache store: verified blobs, atomic index.json, the shared lock, crash safety.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LayoutStore } from './store.js';
import { createFileAtomic } from './atomic.js';
import { MediaType, REF_NAME_ANNOTATION } from '../types.js';
import { UserError } from '../../util/index.js';
import { collect, putBytes, sha256, tempDir } from '../testing.js';

const STORE_JS = fileURLToPath(new URL('./store.js', import.meta.url));

test('a new cache is an OCI layout LinuxKit can open', async (t) => {
  const dir = await tempDir(t);
  await LayoutStore.open(dir);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  assert.equal(index.schemaVersion, 2);
  assert.deepEqual(index.manifests, []);
  assert.ok(existsSync(join(dir, 'blobs', 'sha256')));
});

test("a new cache's files are created whole and never over a file another process wrote", async (t) => {
  const dir = await tempDir(t);
  // index.json written by another process between our check and our write: it stays.
  await writeFile(join(dir, 'index.json'), '{"theirs":1}');
  await createFileAtomic(join(dir, 'index.json'), '{"ours":1}', join(dir, '.tmp'));
  assert.equal(await readFile(join(dir, 'index.json'), 'utf8'), '{"theirs":1}');
  await createFileAtomic(join(dir, 'oci-layout'), '{"ours":1}', join(dir, '.tmp'));
  assert.equal(await readFile(join(dir, 'oci-layout'), 'utf8'), '{"ours":1}');
  assert.deepEqual(await readdir(join(dir, '.tmp')), [], 'no temp file left');
});

test('putBlob with a wrong digest or size leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const store = await LayoutStore.open(dir);
  const data = Buffer.from('hello layer');
  const wrong = sha256('something else');
  await assert.rejects(store.putBlob(wrong, Readable.from([data])), (e: Error) => e instanceof UserError && e.message.includes(wrong));
  assert.equal(await store.hasBlob(wrong), false);
  await assert.rejects(store.putBlob(sha256(data), Readable.from([data]), data.length + 1), /expected 12 bytes, got 11/);
  await assert.rejects(store.putBlob(sha256(data), Readable.from([data, data]), data.length), /more than the expected/);
  assert.equal(await store.hasBlob(sha256(data)), false);
  assert.deepEqual(await readdir(join(dir, 'blobs', 'sha256')), []);
  assert.deepEqual(await readdir(join(dir, '.tmp')), []);
  await store.putBlob(sha256(data), Readable.from([data]), data.length);
  assert.deepEqual(await store.readBlob(sha256(data)), data);
  assert.deepEqual(await collect(store.openBlob(sha256(data))), data);
});

test('a truncated blob left by another tool is replaced; a present one is kept', async (t) => {
  const dir = await tempDir(t);
  const store = await LayoutStore.open(dir);
  const data = Buffer.from('0123456789');
  const digest = sha256(data);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data.subarray(0, 4));
  await store.putBlob(digest, Readable.from([data]), data.length);
  assert.deepEqual(await store.readBlob(digest), data);
  // Already present: the source is drained, not stored again.
  let drained = false;
  const src = Readable.from(
    (async function* () {
      yield data;
      drained = true;
    })(),
  );
  await store.putBlob(digest, src, data.length);
  assert.ok(drained);
});

test('missing and corrupt blobs are named in the error', async (t) => {
  const store = await LayoutStore.open(await tempDir(t));
  const d = sha256('nope');
  assert.throws(
    () => store.openBlob(d),
    (e: Error) => e instanceof UserError && e.message.includes(d),
  );
  await assert.rejects(store.readBlob(d), (e: Error) => e instanceof UserError && e.message.includes(d));
  const good = await putBytes(store, '{"a":1}', 'x');
  await writeFile(join(store.dir, 'blobs', 'sha256', good.digest.slice(7)), '{"a":2}');
  await assert.rejects(store.readBlob(good.digest), /corrupt/);
  await assert.rejects(store.putBlob('md5:abc', Readable.from([])), /digest "md5:abc" uses an unsupported algorithm/);
  await assert.rejects(store.putBlob('sha256:../../escape', Readable.from([])), /digest "sha256:\.\.\/\.\.\/escape" is not algorithm:encoded/);
});

test('tag replaces every entry of a name, keeps other entries and their fields, and untag removes it', async (t) => {
  const dir = await tempDir(t);
  const store = await LayoutStore.open(dir);
  const a = await putBytes(store, '{"schemaVersion":2,"manifests":[]}', MediaType.ociIndex);
  const b = await putBytes(store, '{"schemaVersion":2,"manifests":[],"x":1}', MediaType.ociIndex);
  // An index.json as another tool may leave it: two entries for one name, an unnamed entry, extra fields.
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      extra: 'kept',
      manifests: [
        { ...a, annotations: { [REF_NAME_ANNOTATION]: 'docker.io/library/x:1' } },
        { ...b, annotations: { [REF_NAME_ANNOTATION]: 'docker.io/library/x:1' } },
        { ...b, annotations: { other: 'y' } },
      ],
    }),
  );
  assert.equal((await store.resolve('docker.io/library/x:1'))?.digest, a.digest, 'first entry wins, as in LinuxKit');
  await store.tag('docker.io/library/x:1', { ...b, annotations: { 'org.example': 'z' } });
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  assert.equal(index.extra, 'kept');
  assert.equal(index.manifests.length, 2);
  const entry = index.manifests.find((m: { annotations: Record<string, string> }) => m.annotations[REF_NAME_ANNOTATION]);
  assert.deepEqual(entry.annotations, { 'org.example': 'z', [REF_NAME_ANNOTATION]: 'docker.io/library/x:1' });
  assert.deepEqual(
    (await store.list()).map((e) => e.ref),
    ['docker.io/library/x:1'],
  );
  assert.equal((await store.resolve(`docker.io/library/y@${b.digest}`))?.digest, b.digest, 'digest references fall back to the digest');
  await store.untag('docker.io/library/x:1');
  assert.deepEqual(await store.list(), []);
  assert.equal(await store.resolve('docker.io/library/x:1'), undefined);
});

/** A child node process that tags `count` references named `${prefix}N` in `dir`. */
function tagger(dir: string, prefix: string, count: number): Promise<number> {
  const script = `
    import { LayoutStore } from ${JSON.stringify(STORE_JS)};
    import { Readable } from 'node:stream';
    import { createHash } from 'node:crypto';
    const store = await LayoutStore.open(${JSON.stringify(dir)});
    for (let i = 0; i < ${count}; i++) {
      const data = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [], n: '${prefix}' + i }));
      const digest = 'sha256:' + createHash('sha256').update(data).digest('hex');
      await store.putBlob(digest, Readable.from([data]), data.length);
      await store.tag('${prefix}' + i, { mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: data.length });
    }`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? -1));
  });
}

test('concurrent writers in separate processes both succeed and index.json always parses', async (t) => {
  const dir = await tempDir(t);
  await LayoutStore.open(dir);
  let reads = 0;
  let stop = false;
  const reader = (async () => {
    while (!stop) {
      JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
      reads++;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const codes = await Promise.all([tagger(dir, 'docker.io/a/img:', 15), tagger(dir, 'docker.io/b/img:', 15)]);
  stop = true;
  await reader;
  assert.deepEqual(codes, [0, 0]);
  const refs = (await (await LayoutStore.open(dir)).list()).map((e) => e.ref);
  assert.equal(refs.length, 30, `lost updates: ${refs.join(' ')}`);
  assert.ok(reads > 5);
});

test('a writer killed mid-blob and mid-lock leaves a readable, unlocked cache', async (t) => {
  const dir = await tempDir(t);
  const store = await LayoutStore.open(dir);
  const pre = await putBytes(store, '{"schemaVersion":2,"manifests":[]}', MediaType.ociIndex);
  await store.tag('docker.io/library/kept:1', pre);
  const script = `
    import { LayoutStore } from ${JSON.stringify(STORE_JS)};
    import { withCacheLock } from ${JSON.stringify(STORE_JS.replace(/store\.js$/, 'lock.js'))};
    import { Readable } from 'node:stream';
    const store = await LayoutStore.open(${JSON.stringify(dir)});
    const slow = Readable.from((async function* () { for (;;) { yield Buffer.alloc(65536, 1); await new Promise((r) => setTimeout(r, 5)); } })());
    store.putBlob('sha256:${'0'.repeat(64)}', slow, 1 << 30).catch(() => {});
    await withCacheLock(${JSON.stringify(dir)}, async () => { console.log('locked'); await new Promise(() => setTimeout(() => {}, 1e9)); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  const again = await LayoutStore.open(dir);
  assert.equal(await again.hasBlob(`sha256:${'0'.repeat(64)}`), false, 'no partial blob under a digest name');
  assert.deepEqual(
    (await again.list()).map((e) => e.ref),
    ['docker.io/library/kept:1'],
  );
  // The lock died with its holder: a write goes through at once.
  const started = Date.now();
  await again.tag('docker.io/library/new:1', pre);
  assert.ok(Date.now() - started < 1500, 'lock was released');
  assert.equal((await again.list()).length, 2);
});

const hasPython = spawnSync('python3', ['-c', 'import fcntl'], { stdio: 'ignore' }).status === 0;

test('the lock is the fcntl lock LinuxKit takes on <cache>/.lock', { skip: !hasPython && 'python3 not found' }, async (t) => {
  const dir = await tempDir(t);
  const store = await LayoutStore.open(dir);
  const d = await putBytes(store, '{}', MediaType.ociIndex);
  // python's lockf is fcntl(F_SETLKW), as Go's unix.FcntlFlock in LinuxKit.
  const holder = spawn(
    'python3',
    ['-c', `import fcntl,sys,time\nf=open(${JSON.stringify(join(dir, '.lock'))},'a')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('held',flush=True)\ntime.sleep(0.8)`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const closed = new Promise((r) => holder.on('close', r));
  await new Promise<void>((resolve) => holder.stdout.on('data', () => resolve()));
  const started = Date.now();
  await store.tag('docker.io/library/waited:1', d);
  const waited = Date.now() - started;
  assert.ok(waited >= 400, `tag did not wait for the other process's lock (${waited} ms)`);
  await closed;
});
