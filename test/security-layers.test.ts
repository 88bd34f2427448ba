// Hostile images against the real CLI (issue 12, items 2, 6 and 8; docs/security.md): crafted
// layers in a real cache, outputs read back entry by entry and unpacked on a real filesystem
// (a temporary root, chrooted in a private mount namespace, so nothing can reach the host's).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { readTar, type ReadEntry } from '../src/assemble/testing.js';
import { LayoutStore } from '../src/oci/cache/index.js';
import { MediaType } from '../src/oci/types.js';
import { putJson } from '../src/pkg/layer.js';
import { putCacheImage } from './fixtures/cache-image.js';
import type { FixtureEntry } from './fixtures/tar.js';
import { runCli, type CliResult } from './helpers.js';

let dir: string;
let cache: string;
let layers: string;

function lk(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  return runCli(['--cache', cache, ...args], { cwd: dir, env: { CI: '', LINUXKIT_LAYER_CACHE: layers, ...env } });
}

/** A name no host has at its root: if an entry ever reached the host's `/`, it shows (and is removed). */
const HOST_CANARY = `lkts-security-canary-${randomBytes(6).toString('hex')}`;
const LONG = 'l'.repeat(150);
// A read-only onboot container's image is unpacked under lower/ (LinuxKit's layout).
const ROOTFS = 'containers/onboot/000-evil/lower';

/** Every way we know of to leave an image's directory through its own symlinks. */
const HOSTILE: FixtureEntry[][] = [
  [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', content: 'evil-passwd' },
    // The reported case: climb out of rootfs/, 000-evil/, onboot/, containers/.
    { name: 'up', type: 'symlink', linkname: '../../../..' },
    { name: 'up/init', content: 'EVIL INIT' },
    { name: 'up/etc/shadow', content: 'evil-shadow' },
    // An absolute target: `/` of whatever unpacks the output.
    { name: 'abs', type: 'symlink', linkname: '/' },
    { name: `abs/${HOST_CANARY}`, content: 'EVIL' },
    // A chain.
    { name: 'c1', type: 'symlink', linkname: 'c2' },
    { name: 'c2', type: 'symlink', linkname: 'sub/../../../../../..' },
    { name: 'c1/chain', content: 'EVIL' },
    // A loop: left out.
    { name: 'loop', type: 'symlink', linkname: 'loop/x' },
    { name: 'loop/y', content: 'EVIL' },
    // A long name through a symlink.
    { name: `deep/${LONG}`, type: 'symlink', linkname: '../../../../..' },
    { name: `deep/${LONG}/long`, content: 'EVIL' },
    // A directory that a later layer turns into a symlink.
    { name: 'd/', type: 'directory' },
    { name: 'd/keep', content: 'gone with d' },
    // A symlink that a later layer whites out and replaces with a directory.
    { name: 'w', type: 'symlink', linkname: '../../../..' },
  ],
  [
    { name: 'd', type: 'symlink', linkname: '../../../..' },
    { name: 'd/from-dir', content: 'EVIL' },
    // A hard link whose target goes through a symlink, and a device under one.
    { name: 'hl', type: 'link', linkname: 'up/etc/shadow' },
    { name: 'up/dev/console-evil', type: 'character-device', devmajor: 1, devminor: 3 },
  ],
  [
    { name: '.wh.w', content: '' },
    { name: 'w/', type: 'directory' },
    { name: 'w/fine', content: 'ok' },
  ],
];

const YML = `kernel:
  image: linuxkit/kernel:sec
  cmdline: "console=ttyS0"
  tar: none
init:
  - linuxkit/init:sec
onboot:
  - name: evil
    image: example/evil:1
`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lkts-security-'));
  cache = join(dir, 'cache');
  layers = join(dir, 'layers');
  await putCacheImage(cache, { ref: 'docker.io/linuxkit/kernel:sec', layers: [[{ name: 'kernel', content: 'pretend-kernel' }]] });
  await putCacheImage(cache, {
    ref: 'docker.io/linuxkit/init:sec',
    layers: [
      [
        { name: 'init', content: 'REAL INIT', mode: 0o755 },
        { name: 'etc/', type: 'directory' },
        { name: 'etc/passwd', content: 'root:x:0:0' },
      ],
    ],
  });
  await putCacheImage(cache, { ref: 'docker.io/example/evil:1', layers: HOSTILE });
  writeFileSync(join(dir, 'evil.yml'), YML);
});

after(() => {
  // A regression must not leave anything on the host.
  rmSync(join('/', HOST_CANARY), { force: true });
  rmSync(dir, { recursive: true, force: true });
});

/** Every entry of the evil image's directory must have no symlink of the output among its parents. */
function assertNoPathThroughSymlinks(names: string[], symlinks: Set<string>): void {
  for (const name of names) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      assert.ok(!symlinks.has(parent), `${name} goes through the symlink ${parent}`);
    }
  }
}

/** Runs busybox (static) chrooted in `root` in a private mount namespace. */
function inRoot(root: string, args: string[]): void {
  copyFileSync('/usr/bin/busybox', join(root, 'busybox'));
  const r = spawnSync('unshare', ['--mount', '--root', root, '/busybox', ...args], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('2. an image writes only inside its own directory', () => {
  let tarEntries: ReadEntry[];
  let build: CliResult;
  before(async () => {
    build = lk(['build', '-f', 'tar', '-o', 'out.tar', 'evil.yml']);
    assert.equal(build.status, 0, build.stderr);
    tarEntries = await readTar(createReadStream(join(dir, 'out.tar')));
  });

  test('tar output: entries through its symlinks are written where they lead inside its rootfs', () => {
    const byName = new Map(tarEntries.map((e) => [e.name, e]));
    const symlinks = new Set(tarEntries.filter((e) => e.type === 'symlink').map((e) => e.name));
    assertNoPathThroughSymlinks([...byName.keys()], symlinks);
    // The system's /init is the init image's; the image's own /init is its own.
    assert.equal(byName.get('init')?.contents, 'REAL INIT');
    assert.equal(tarEntries.filter((e) => e.name === 'init').length, 1);
    assert.equal(byName.get(`${ROOTFS}/init`)?.contents, 'EVIL INIT');
    assert.equal(byName.get(`${ROOTFS}/${HOST_CANARY}`)?.contents, 'EVIL', 'absolute symlink: the rootfs is /');
    assert.equal(byName.get(`${ROOTFS}/chain`)?.contents, 'EVIL', 'a chain of symlinks');
    assert.equal(byName.get(`${ROOTFS}/long`)?.contents, 'EVIL', 'a long name');
    assert.equal(byName.get(`${ROOTFS}/from-dir`)?.contents, 'EVIL', 'a directory that became a symlink');
    assert.equal(byName.get(`${ROOTFS}/w/fine`)?.contents, 'ok', 'a whited-out symlink replaced by a directory');
    assert.equal(byName.get(`${ROOTFS}/d/keep`), undefined, 'the old directory is gone');
    assert.equal(byName.get(`${ROOTFS}/hl`)?.linkname, `${ROOTFS}/etc/shadow`, 'the hard link names the file inside');
    assert.equal(byName.get(`${ROOTFS}/dev/console-evil`)?.type, 'character-device');
    assert.ok(![...byName.keys()].some((n) => n.includes('loop/y')), 'a path through a symlink loop is left out');
    // Nothing of the image outside its directory.
    const prefixDirs = ['containers', 'containers/onboot', 'containers/onboot/000-evil'];
    for (const e of tarEntries) {
      if (e.pax['LINUXKIT.location'] === 'onboot[0]') assert.ok(prefixDirs.includes(e.name) || e.name.startsWith('containers/onboot/000-evil/'), e.name);
    }
    assert.match(build.stderr, /image docker\.io\/example\/evil:1 \(onboot\[0\]\): up\/init \(now init\) and \d+ more led out of the image's root/);
    assert.match(build.stderr, /loop\/y is left out: it leads through a loop of symlinks/);
  });

  /** Unpacks a gzipped initrd as the kernel does (busybox cpio, chrooted); only the system's images' files at its root. */
  function checkInitrd(gz: Buffer): void {
    const root = mkdtempSync(join(dir, 'initrd-root-'));
    writeFileSync(join(root, 'initrd.cpio'), gunzipSync(gz));
    inRoot(root, ['cpio', '-i', '-d', '-m', '-F', '/initrd.cpio']);
    assert.equal(readFileSync(join(root, 'init'), 'utf8'), 'REAL INIT');
    assert.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), 'root:x:0:0');
    assert.equal(readFileSync(join(root, ROOTFS, 'init'), 'utf8'), 'EVIL INIT');
    assert.equal(readFileSync(join(root, ROOTFS, 'hl'), 'utf8'), 'evil-shadow');
    assert.ok(!existsSync(join(root, 'etc/shadow')));
    assert.ok(!existsSync(join(root, HOST_CANARY)) && !existsSync(join('/', HOST_CANARY)));
    // Only what the system's own images put there (and the test's two files).
    assert.deepEqual(readdirSync(root).sort(), ['boot', 'busybox', 'containers', 'dev', 'etc', 'init', 'initrd.cpio', 'proc', 'sbom.spdx.json', 'sys']);
    assert.deepEqual(readdirSync(join(root, 'containers/onboot')), ['000-evil']);
  }

  test('kernel+initrd: unpacked as the kernel does (busybox cpio, chrooted), the system /init is the real one', () => {
    const r = lk(['build', '-f', 'kernel+initrd', '--name', 'evil', 'evil.yml']);
    assert.equal(r.status, 0, r.stderr);
    checkInitrd(readFileSync(join(dir, 'evil-initrd.img')));
  });

  test('tar-kernel-initrd: the initrd.img it carries, unpacked the same way', () => {
    const r = lk(['build', '-f', 'tar-kernel-initrd', '--name', 'evil-tki', 'evil.yml']);
    assert.equal(r.status, 0, r.stderr);
    const img = spawnSync('tar', ['-xOf', join(dir, 'evil-tki-initrd.tar'), 'initrd.img'], { maxBuffer: 1 << 28 });
    assert.equal(img.status, 0, img.stderr.toString());
    checkInitrd(img.stdout);
  });

  test('kernel+squashfs: no path through a symlink, the system /init is the real one', () => {
    const r = lk(['build', '-f', 'kernel+squashfs', '--name', 'evil-sq', 'evil.yml']);
    assert.equal(r.status, 0, r.stderr);
    const image = join(dir, 'evil-sq-squashfs.img');
    // -lls: one line per inode, "MODE OWNER SIZE DATE TIME squashfs-root/PATH[ -> TARGET]".
    const list = spawnSync('unsquashfs', ['-lls', image], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const entries = [...list.stdout.matchAll(/^([-dlcbps])\S{9} +\S+ +\S+ +\S+ +\S+ +squashfs-root\/(.*)$/gm)].map(([, type, path]) => ({
      type,
      name: type === 'l' ? path!.replace(/ -> .*$/, '') : path!,
    }));
    const names = entries.map((e) => e.name);
    assert.ok(names.includes(`${ROOTFS}/init`), `the image's own init in its directory:\n${names.join('\n')}`);
    assertNoPathThroughSymlinks(names, new Set(entries.filter((e) => e.type === 'l').map((e) => e.name)));
    const top = [...new Set(names.map((n) => n.split('/')[0]))].sort();
    assert.deepEqual(top, ['boot', 'containers', 'dev', 'etc', 'init', 'proc', 'sbom.spdx.json', 'sys']);
    const cat = (path: string) => spawnSync('unsquashfs', ['-cat', image, path], { encoding: 'utf8' }).stdout;
    assert.equal(cat('init'), 'REAL INIT');
    assert.equal(cat('etc/passwd'), 'root:x:0:0');
    assert.equal(cat(`${ROOTFS}/init`), 'EVIL INIT');
    // Symlink targets as the image wrote them (squashfs-tools 4.5.1 cleaned PAX linkpath records).
    assert.match(list.stdout, new RegExp(`squashfs-root/${ROOTFS}/up -> \\.\\./\\.\\./\\.\\./\\.\\.$`, 'm'));
    assert.match(list.stdout, new RegExp(`squashfs-root/${ROOTFS}/abs -> /$`, 'm'));
  });

  test('cache export: as a directory and as a tar, nothing leaves the target', async () => {
    const deep = join(dir, 'export/a/b/c/d/e');
    const out = join(deep, 'rootfs');
    mkdirSync(out, { recursive: true });
    const r = lk(['cache', 'export', '--format', 'filesystem', '--outfile', out + '/', 'example/evil:1']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(out, 'init'), 'utf8'), 'EVIL INIT');
    assert.deepEqual(readdirSync(join(dir, 'export/a/b/c/d/e')), ['rootfs']);
    assert.ok(!existsSync(join(dir, 'export/a/init')) && !existsSync(join('/', HOST_CANARY)));

    const t = lk(['cache', 'export', '--format', 'filesystem', '--outfile', 'evil-fs.tar', 'example/evil:1']);
    assert.equal(t.status, 0, t.stderr);
    const entries = await readTar(createReadStream(join(dir, 'evil-fs.tar')));
    assertNoPathThroughSymlinks(
      entries.map((e) => e.name),
      new Set(entries.filter((e) => e.type === 'symlink').map((e) => e.name)),
    );
    assert.ok(entries.some((e) => e.name === 'init' && e.contents === 'EVIL INIT'));
  });
});

/** A one-layer image whose layer blob is stored as given (uncompressed here). */
async function putPlainImage(ref: string, tar: Buffer): Promise<string> {
  const store = await LayoutStore.open(cache);
  const digest = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  await store.putBlob(digest, Readable.from([tar]), tar.length);
  const config = await putJson(store, MediaType.ociConfig, { architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [digest] } });
  const layer = { mediaType: MediaType.ociLayer, digest, size: tar.length };
  const manifest = await putJson(store, MediaType.ociManifest, { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [layer] });
  await store.tag(ref, manifest);
  return digest;
}

/** Flips one byte in the middle of a file: same size, different content. */
function corrupt(file: string): void {
  const b = readFileSync(file);
  b[b.length >> 1] ^= 0xff;
  writeFileSync(file, b);
}

function blobFile(digest: string): string {
  return join(cache, 'blobs/sha256', digest.slice('sha256:'.length));
}

describe('6. cached content is checked when it is used', () => {
  /** An image big enough for an unpacked copy (≥ 1 MiB compressed): random bytes do not shrink. */
  const BIG = randomBytes(1_200_000);
  const bigYml = (ref: string) => `init:\n  - ${ref}\n`;

  test('an unpacked layer changed at the same size: removed, the blob is read instead, the build is right', async () => {
    await putCacheImage(cache, { ref: 'docker.io/example/big:1', layers: [[{ name: 'big', content: BIG }]] });
    await putCacheImage(cache, { ref: 'docker.io/example/big:2', layers: [[{ name: 'a', content: 'a' }], [{ name: 'big', content: BIG }]] });
    for (const tag of ['1', '2']) {
      writeFileSync(join(dir, `big${tag}.yml`), bigYml(`example/big:${tag}`));
      assert.equal(lk(['build', '-f', 'tar', '-o', `big${tag}.tar`, `big${tag}.yml`]).status, 0);
      // The copy now exists: change it.
      const copies = readdirSync(layers).filter((n) => /^[0-9a-f]{64}$/.test(n));
      assert.ok(copies.length >= 1);
      for (const c of copies) corrupt(join(layers, c));
      const r = lk(['build', '-f', 'tar', '-o', `big${tag}.tar`, `big${tag}.yml`]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /unpacked copy of layer sha256:[0-9a-f]{64} .* was corrupt/);
      const big = (await readTar(createReadStream(join(dir, `big${tag}.tar`)))).find((e) => e.name === 'big');
      assert.ok(
        big && createHash('sha256').update(big.contents!, 'utf8').digest('hex') === createHash('sha256').update(BIG.toString('utf8'), 'utf8').digest('hex'),
      );
      rmSync(layers, { recursive: true, force: true });
    }
  });

  test('an uncompressed layer blob changed in the image cache: build and export fail naming it, and it is removed', () => {
    const tar = Buffer.concat([rawEntry(Buffer.from('hello'), { content: Buffer.from('hello world\n') }), Buffer.alloc(1024)]);
    return putPlainImage('docker.io/example/plain:1', tar).then((digest) => {
      writeFileSync(join(dir, 'plain.yml'), 'init:\n  - example/plain:1\n');
      assert.equal(lk(['build', '-f', 'tar', '-o', 'plain.tar', 'plain.yml']).status, 0);
      for (const args of [
        ['build', '-f', 'tar', '-o', 'plain.tar', 'plain.yml'],
        ['cache', 'export', '--format', 'oci', '--outfile', 'plain-oci.tar', 'example/plain:1'],
        ['cache', 'export', '--format', 'docker', '--outfile', 'plain-docker.tar', 'example/plain:1'],
        ['cache', 'export', '--format', 'filesystem', '--outfile', 'plain-fs.tar', 'example/plain:1'],
      ]) {
        if (!existsSync(blobFile(digest))) writeFileSync(blobFile(digest), tar);
        corrupt(blobFile(digest));
        rmSync(join(dir, args.includes('build') ? 'plain.tar' : args[5]!), { force: true });
        const r = lk(args);
        assert.notEqual(r.status, 0, `${args.join(' ')} must fail`);
        assert.match(r.stderr, new RegExp(`blob ${digest} in the cache .* is corrupt .*it has been removed`), args.join(' '));
        assert.ok(!existsSync(blobFile(digest)), 'the bad blob is gone, so a pull fetches it again');
        assert.ok(!existsSync(join(dir, args.includes('build') ? 'plain.tar' : args[5]!)), 'no output is left');
      }
    });
  });
});

/** One raw ustar entry (name and link target as bytes), so names need not be UTF-8. */
function rawEntry(name: Buffer, o: { type?: string; linkname?: Buffer; content?: Buffer } = {}): Buffer {
  const h = Buffer.alloc(512);
  name.copy(h, 0);
  const content = o.content ?? Buffer.alloc(0);
  const oct = (n: number, w: number) => n.toString(8).padStart(w - 1, '0') + '\0';
  h.write(oct(0o644, 8), 100);
  h.write(oct(0, 8), 108);
  h.write(oct(0, 8), 116);
  h.write(oct(content.length, 12), 124);
  h.write(oct(1, 12), 136);
  h.write(o.type ?? '0', 156);
  o.linkname?.copy(h, 157);
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(oct(sum, 7) + ' ', 148);
  return Buffer.concat([h, content, Buffer.alloc((512 - (content.length % 512)) % 512)]);
}

function paxEntry(records: Buffer): Buffer {
  return rawEntry(Buffer.from('PaxHeader'), { type: 'x', content: records });
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + String(body.length).length;
  if (String(len).length !== String(body.length).length) len++;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

describe('8. names that are not UTF-8 are refused, never merged', () => {
  const end = Buffer.alloc(1024);
  const cases: Array<[string, Buffer]> = [
    [
      'two names differing only in invalid bytes',
      Buffer.concat([
        rawEntry(Buffer.from('a\xff', 'latin1'), { content: Buffer.from('1') }),
        rawEntry(Buffer.from('a\xfe', 'latin1'), { content: Buffer.from('2') }),
        end,
      ]),
    ],
    ['a symlink target', Buffer.concat([rawEntry(Buffer.from('l'), { type: '2', linkname: Buffer.from('t\xff', 'latin1') }), end])],
    [
      'a PAX path',
      Buffer.concat([paxEntry(paxRecord('path', Buffer.from('p\xc3', 'latin1'))), rawEntry(Buffer.from('p'), { content: Buffer.from('x') }), end]),
    ],
    [
      'a GNU long name',
      Buffer.concat([
        rawEntry(Buffer.from('././@LongLink'), { type: 'L', content: Buffer.from(`${'n'.repeat(120)}\xed\xa0\x80\0`, 'latin1') }),
        rawEntry(Buffer.from('short'), { content: Buffer.from('x') }),
        end,
      ]),
    ],
  ];
  for (const [i, [what, tar]] of cases.entries()) {
    test(`in a layer: ${what}`, async () => {
      await putPlainImage(`docker.io/example/badname:${i}`, tar);
      writeFileSync(join(dir, `badname${i}.yml`), `init:\n  - example/badname:${i}\n`);
      const r = lk(['build', '-f', 'tar', '-o', `badname${i}.tar`, `badname${i}.yml`]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`image docker\\.io/example/badname:${i} \\(init\\[0\\]\\): .*is not valid UTF-8`));
      assert.match(r.stderr, /\\x(ff|fe|c3|ed)/, 'the bad bytes are shown');
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!existsSync(join(dir, `badname${i}.tar`)));
    });
  }

  test('in a YAML file: an error at file:line:col', () => {
    writeFileSync(join(dir, 'bad.yml'), Buffer.concat([Buffer.from('init:\n  - linuxkit/init:sec\n# caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const r = lk(['build', '-f', 'tar', '-o', 'bad.tar', 'bad.yml']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bad\.yml:3:6: invalid UTF-8 \(byte 0xe9\)/);
  });
});
