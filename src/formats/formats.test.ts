import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { formatNames, getFormat, notYetFormatNames } from './registry.js';
import { pruneMemberCache } from './segments.js';
import { tarStream, truncatedTarStream, type FixtureEntry } from '../../test/fixtures/tar.js';
import { UserError } from '../util/index.js';
import { LINUXKIT_MOD_TIME } from './defaults.js';
import { ENV_IGZIP, installedIgzip } from '../util/index.js';

const KERNEL = Buffer.alloc(300_000, 'K');
const UCODE = Buffer.from('070701 pretend microcode cpio\n');

/** A root filesystem as the build lays it out: boot/ first, then the containers' files. */
function rootfs(extra: FixtureEntry[] = []): FixtureEntry[] {
  return [
    { name: 'boot', type: 'directory' },
    { name: 'boot/cmdline', content: 'console=ttyS0 page_poison=1' },
    { name: 'boot/kernel', content: KERNEL },
    { name: 'boot/System.map', content: 'not for the initrd' },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', content: 'B'.repeat(5000), mode: 0o755 },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
    { name: 'bin/ls', type: 'symlink', linkname: 'busybox' },
    { name: 'usr/bin/passwd', content: 'setuid', mode: 0o4755, uid: 0, gid: 0 },
    { name: 'home/user/notes', content: 'mine', mode: 0o600, uid: 1000, gid: 1000 },
    { name: 'dev/console', type: 'character-device', mode: 0o600, devmajor: 5, devminor: 1 },
    { name: 'dev/fifo', type: 'fifo', mode: 0o644 },
    { name: 'tmp', type: 'directory', mode: 0o1777 },
    ...extra,
  ];
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'formats-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function listCpio(cpio: Buffer): string[] {
  const r = spawnSync('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: cpio, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

function line(lines: string[], name: string): string[] {
  const l = lines.find((x) => x.endsWith(` ${name}`) || x.includes(` ${name} -> `));
  assert.ok(l, `${name} not in the archive:\n${lines.join('\n')}`);
  return l.split(/\s+/);
}

// LinuxKit's OutputTypes() (lk:src/cmd/linuxkit/moby/build/build.go, output.go), sorted.
const LINUXKIT_FORMATS = [
  'aws',
  'docker',
  'dynamic-vhd',
  'gcp',
  'iso-bios',
  'iso-efi',
  'iso-efi-initrd',
  'kernel+erofs',
  'kernel+initrd',
  'kernel+iso',
  'kernel+squashfs',
  'qcow2-bios',
  'qcow2-efi',
  'raw-bios',
  'raw-efi',
  'rpi3',
  'tar',
  'tar-kernel-initrd',
  'vhd',
  'vmdk',
];

test('registry: LinuxKit format names, unknown and not-yet formats are user errors', () => {
  assert.deepEqual(
    formatNames().sort(),
    LINUXKIT_FORMATS.filter((name) => name !== 'rpi3'),
  );
  assert.throws(
    () => getFormat('floppy'),
    (e: unknown) => e instanceof UserError && /unknown format type floppy/.test(e.message),
  );
  assert.throws(() => getFormat('rpi3'), /not implemented yet/);
  assert.equal(getFormat('tar').streamable, true);
  assert.equal(getFormat('kernel+initrd').streamable, false);
});

test('registry: every LinuxKit format is registered, the ones not built yet as stubs that say so', () => {
  assert.deepEqual([...formatNames(), ...notYetFormatNames()].sort(), LINUXKIT_FORMATS);
  for (const name of notYetFormatNames()) {
    assert.throws(
      () => getFormat(name),
      (e: unknown) => e instanceof UserError && e.message === `output format ${name} is not implemented yet in linuxkit-ts`,
    );
  }
  // The error for an unknown name lists both kinds.
  assert.throws(() => getFormat('floppy'), /one of tar, .*; not implemented yet: rpi3/);
});

test('kernel+initrd: kernel and cmdline out of boot/, the rest in a gzip newc cpio', () =>
  withDir(async (dir) => {
    const files = await getFormat('kernel+initrd').write(tarStream(rootfs()), { dir, name: 'lk' });
    assert.deepEqual(files.map((f) => f.slice(dir.length + 1)).sort(), ['lk-cmdline', 'lk-initrd.img', 'lk-kernel']);
    assert.deepEqual(await readFile(join(dir, 'lk-kernel')), KERNEL);
    assert.equal(await readFile(join(dir, 'lk-cmdline'), 'utf8'), 'console=ttyS0 page_poison=1');
    const gz = await readFile(join(dir, 'lk-initrd.img'));
    assert.equal(spawnSync('gzip', ['-t'], { input: gz }).status, 0);
    const lines = listCpio(gunzipSync(gz));
    const names = lines.map((l) => l.split(/\s+/).at(-1)!);
    assert.ok(!names.some((n) => n.startsWith('boot/')), 'nothing under boot/ in the initrd');
    assert.ok(names.includes('boot'), 'the boot directory itself stays, as in LinuxKit');
    assert.deepEqual(line(lines, 'bin/busybox').slice(0, 2), ['-rwxr-xr-x', '2']);
    assert.deepEqual(line(lines, 'bin/sh').slice(0, 2), ['-rwxr-xr-x', '2'], 'a hard link, not a symlink');
    assert.equal(line(lines, 'bin/ls')[0], 'lrwxrwxrwx');
    assert.equal(line(lines, 'usr/bin/passwd')[0], '-rwsr-xr-x');
    assert.deepEqual(line(lines, 'home/user/notes').slice(0, 4), ['-rw-------', '1', '1000', '1000']);
    assert.deepEqual(line(lines, 'dev/console').slice(0, 6), ['crw-------', '1', '0', '0', '5,', '1']);
    assert.equal(line(lines, 'dev/fifo')[0], 'prw-r--r--');
    assert.equal(line(lines, 'tmp')[0], 'drwxrwxrwt');
    assert.equal(line(lines, 'bin')[0], 'drwxr-xr-x', 'trailing slash of tar directory names dropped');

    // Extracted by GNU cpio, the hard link shares the data and the inode.
    const x = join(dir, 'x');
    const r = spawnSync('sh', ['-c', `mkdir ${x} && cd ${x} && cpio -idm --quiet`], { input: gunzipSync(gz) });
    assert.equal(r.status, 0, r.stderr.toString());
    const [a, b] = await Promise.all([stat(join(x, 'bin/busybox')), stat(join(x, 'bin/sh'))]);
    assert.equal(a.ino, b.ino);
    assert.equal(b.size, 5000);
  }));

test('kernel+initrd: microcode goes first in the initrd file, uncompressed (as LinuxKit)', () =>
  withDir(async (dir) => {
    const entries = rootfs();
    entries.splice(1, 0, { name: 'boot/ucode.cpio', content: UCODE });
    await getFormat('kernel+initrd').write(tarStream(entries), { dir, name: 'u' });
    const img = await readFile(join(dir, 'u-initrd.img'));
    assert.deepEqual(img.subarray(0, UCODE.length), UCODE);
    const rest = gunzipSync(img.subarray(UCODE.length));
    assert.ok(!listCpio(rest).some((l) => l.includes('ucode')));
  }));

test('kernel+initrd: each compression, tested by its own tool', () =>
  withDir(async (dir) => {
    const tools = { gzip: ['gzip', '-t'], zstd: ['zstd', '-t', '-q'], lz4: ['lz4', '-t', '-q'] } as const;
    for (const [compress, tool] of Object.entries(tools)) {
      await getFormat('kernel+initrd').write(tarStream(rootfs()), { dir, name: compress }, { compress: compress as 'gzip' });
      const r = spawnSync(tool[0], [...tool.slice(1), join(dir, `${compress}-initrd.img`)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${tool.join(' ')}: ${r.stderr}`);
    }
    await getFormat('kernel+initrd').write(tarStream(rootfs()), { dir, name: 'none' }, { compress: 'none' });
    assert.equal(listCpio(await readFile(join(dir, 'none-initrd.img'))).length, 10);
  }));

test('kernel+initrd and squashfs: the same input stream gives byte-identical outputs', () =>
  withDir(async (dir) => {
    for (const fmt of ['kernel+initrd', 'tar-kernel-initrd', 'kernel+squashfs', 'tar']) {
      const one = join(dir, 'one');
      const two = join(dir, 'two');
      await getFormat(fmt).write(tarStream(rootfs()), { dir: one, name: 'r' });
      await new Promise((r) => setTimeout(r, 1100)); // a different second, in case a time leaks in
      await getFormat(fmt).write(tarStream(rootfs()), { dir: two, name: 'r' });
      const names = (await readdir(one)).sort();
      assert.deepEqual((await readdir(two)).sort(), names);
      for (const n of names) assert.deepEqual(await readFile(join(one, n)), await readFile(join(two, n)), `${fmt}: ${n} differs`);
      await rm(one, { recursive: true });
      await rm(two, { recursive: true });
    }
  }));

test('a failed conversion leaves nothing behind, and keeps the previous outputs', () =>
  withDir(async (dir) => {
    await writeFile(join(dir, 'old-initrd.img'), 'previous build');
    for (const fmt of ['kernel+initrd', 'kernel+squashfs', 'tar-kernel-initrd']) {
      await assert.rejects(getFormat(fmt).write(truncatedTarStream(rootfs(), 4000), { dir, name: 'old' }), /Unexpected end/);
    }
    for (const fmt of ['kernel+initrd', 'kernel+squashfs', 'tar-kernel-initrd', 'tar']) {
      await assert.rejects(getFormat(fmt).write(truncatedTarStream(rootfs(), 4000, true), { dir, name: 'old' }), /upstream/);
    }
    assert.deepEqual(await readdir(dir), ['old-initrd.img']);
    assert.equal(await readFile(join(dir, 'old-initrd.img'), 'utf8'), 'previous build');
  }));

test('a file of 4 GiB or more in the image fails kernel+initrd with a clear message', () =>
  withDir(async (dir) => {
    // A tar header claiming a 4 GiB file: the cpio writer refuses it before reading the data.
    const header = Buffer.alloc(512);
    header.write('var/huge.img', 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write('40000000000\0', 124); // 4 GiB in octal
    header.write('00000000000\0', 136);
    header.write('0', 156);
    header.write('ustar\x0000', 257);
    header.write('        ', 148);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    const { Readable } = await import('node:stream');
    const input = Readable.from([header, Buffer.alloc(1 << 20)]);
    await assert.rejects(
      getFormat('kernel+initrd').write(input, { dir, name: 'big' }),
      (e: unknown) => e instanceof UserError && /var\/huge\.img.*4 GiB/.test(e.message),
    );
    assert.deepEqual(await readdir(dir), []);
  }));

/** An image whose entries carry LinuxKit's origin records: a kernel part and an init part. */
function originImage(moduleText: string): FixtureEntry[] {
  const k = { 'LINUXKIT.source': 'docker.io/linuxkit/kernel:6.6', 'LINUXKIT.location': 'kernel' };
  const i = { 'LINUXKIT.source': 'docker.io/linuxkit/init:1', 'LINUXKIT.location': 'init[0]' };
  const modules = Buffer.from(Array.from({ length: 60_000 }, (_, n) => `${moduleText} ${n} ${(n * 7919) % 10007}\n`).join(''));
  return [
    { name: 'boot', type: 'directory', pax: k },
    { name: 'boot/cmdline', content: 'console=ttyS0', pax: k },
    { name: 'boot/kernel', content: KERNEL, pax: k },
    { name: 'lib/modules/6.6/a.ko', content: modules, pax: k },
    { name: 'lib/modules/6.6/b.ko', type: 'link', linkname: 'lib/modules/6.6/a.ko', pax: k },
    { name: 'bin/busybox', content: 'B'.repeat(5000), mode: 0o755, pax: i },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox', pax: i },
    { name: 'etc/motd', content: 'hello', pax: i },
  ];
}

test('kernel+initrd with a member cache: unchanged parts come from the cache, output unchanged, cache checked and bounded', () =>
  withDir(async (dir) => {
    const cache = join(dir, 'cache');
    const build = async (name: string, moduleText: string, memberCache?: string | false) => {
      await getFormat('kernel+initrd').write(tarStream(originImage(moduleText)), { dir, name }, { memberCache });
      return readFile(join(dir, `${name}-initrd.img`));
    };
    const plain = await build('plain', 'modules v1');
    const first = await build('first', 'modules v1', cache);
    assert.equal(spawnSync('gzip', ['-t'], { input: first }).status, 0);
    const names = (cpio: Buffer) =>
      listCpio(cpio).map((l) =>
        l
          .split(/\s+/)
          .filter((_, i) => i !== 1)
          .join(' '),
      );
    assert.deepEqual(names(gunzipSync(first)), names(gunzipSync(plain)), 'same entries as one stream');
    const lines = listCpio(gunzipSync(first));
    assert.deepEqual(
      lines.map((l) => l.split(/\s+/).at(-1)),
      ['boot', 'lib/modules/6.6/a.ko', 'lib/modules/6.6/b.ko', 'bin/busybox', 'bin/sh', 'etc/motd'],
    );
    assert.equal(line(lines, 'lib/modules/6.6/b.ko')[1], '2', 'hard link within the kernel member');
    assert.equal(line(lines, 'bin/sh')[1], '2', 'hard link within the init member');
    // Each member numbers inodes from 1 under its own device: GNU cpio keeps the links apart.
    const x = join(dir, 'x');
    assert.equal(spawnSync('sh', ['-c', `mkdir ${x} && cd ${x} && cpio -idm --quiet`], { input: gunzipSync(first) }).status, 0);
    assert.equal((await stat(join(x, 'bin/sh'))).size, 5000);
    assert.equal((await stat(join(x, 'lib/modules/6.6/b.ko'))).ino, (await stat(join(x, 'lib/modules/6.6/a.ko'))).ino);

    // The output does not depend on the cache: without one, and warm, the same bytes.
    assert.deepEqual(await build('nocache', 'modules v1', false), first, 'same bytes without a cache');
    // The kernel part (> 1 MiB) was cached; a warm build uses it (and marks it recently used).
    const members = join(cache, 'members');
    const cached = (await readdir(members)).find((f) => !f.endsWith('.sum'));
    assert.ok(cached, 'a member was cached');
    const member = join(members, cached!);
    const original = await readFile(member);
    await utimes(member, new Date(1e9), new Date(1e9));
    const second = await build('second', 'modules v1', cache);
    assert.deepEqual(second, first, 'warm build: same bytes');
    assert.ok((await stat(member)).mtimeMs > Date.now() - 600_000, 'kernel member taken from the cache');

    // A cached member whose bytes changed (another compressor, a disk error) is not used: the
    // part is compressed again, the output is unchanged and the cache entry repaired.
    const other = Buffer.from(spawnSync('sh', ['-c', `gzip -dc ${member} | gzip -9n`]).stdout);
    await writeFile(member, other);
    assert.deepEqual(await build('tampered', 'modules v1', cache), first, 'a tampered member is not used');
    assert.deepEqual(await readFile(member), original, 'the cache entry is repaired');
    await writeFile(member, original.subarray(0, 1000));
    assert.deepEqual(await build('truncated', 'modules v1', cache), first, 'a truncated member is not used');

    // Pruning to a size bound drops least recently used members; builds go on the same.
    await pruneMemberCache(cache, 0);
    assert.deepEqual((await readdir(members)).length, 0);
    assert.deepEqual(await build('pruned', 'modules v1', cache), first);

    // A changed kernel part is compressed again (and cached under its new digest).
    const third = await build('third', 'modules v2', cache);
    assert.deepEqual(names(gunzipSync(third)), names(gunzipSync(await build('plain2', 'modules v2'))));
    assert.notDeepEqual(gunzipSync(third), gunzipSync(first));
    assert.equal((await readdir(members)).filter((f) => !f.endsWith('.sum')).length, 2);
    assert.ok(!(await readdir(dir)).some((f) => f.includes('.tmp') || f.includes('spool') || f.includes('member')), 'no temporary files left');

    // A build that fails half-way (warm cache: spooling) leaves nothing behind, here or in the cache.
    const before = (await readdir(dir)).sort();
    const broken = truncatedTarStream(originImage('modules v1'), 1_500_000);
    await assert.rejects(getFormat('kernel+initrd').write(broken, { dir, name: 'broken' }, { memberCache: cache }), /Unexpected end/);
    assert.deepEqual((await readdir(dir)).sort(), before, 'nothing left in the output directory');
    assert.ok(!(await readdir(members)).some((f) => f.endsWith('.tmp')), 'no temporary files in the cache');
  }));

test(
  'member cache: members are kept per compressor, so a zlib member never ends up in an igzip build',
  { skip: !installedIgzip() && 'igzip (Debian isal) not installed' },
  () =>
    withDir(async (dir) => {
      const cache = join(dir, 'cache');
      const build = async (name: string, memberCache: string | false) => {
        await getFormat('kernel+initrd').write(tarStream(originImage('modules v1')), { dir, name }, { memberCache });
        return readFile(join(dir, `${name}-initrd.img`));
      };
      const withIgzip = async <T>(fn: () => Promise<T>): Promise<T> => {
        process.env[ENV_IGZIP] = 'on';
        try {
          return await fn();
        } finally {
          delete process.env[ENV_IGZIP];
        }
      };
      const igzipBytes = await withIgzip(() => build('igzip', false));
      const zlibBytes = await build('zlib-cold', cache);
      assert.deepEqual(await build('zlib-warm', cache), zlibBytes);
      assert.notDeepEqual(zlibBytes, igzipBytes, 'the two compressors make different bytes');
      assert.deepEqual(await withIgzip(() => build('igzip-after-zlib', cache)), igzipBytes, 'the zlib member was not used');
      assert.deepEqual(await withIgzip(() => build('igzip-warm', cache)), igzipBytes);
      const members = (await readdir(join(cache, 'members'))).filter((f) => !f.endsWith('.sum'));
      assert.deepEqual(members.map((f) => /\.gzip-(igzip|\d+-zlib)/.exec(f)?.[1]).sort(), ['1-zlib', 'igzip']);
    }),
);

test('tar-kernel-initrd: kernel, initrd.img, cmdline, ucode.cpio with LinuxKit headers', () =>
  withDir(async (dir) => {
    const entries = rootfs();
    entries.splice(1, 0, { name: 'boot/ucode.cpio', content: UCODE });
    await getFormat('tar-kernel-initrd').write(tarStream(entries), { dir, name: 't' });
    const r = spawnSync('tar', ['-tvf', join(dir, 't-initrd.tar'), '--numeric-owner', '--utc'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    assert.deepEqual(
      rows.map((x) => x.at(-1)),
      ['kernel', 'initrd.img', 'cmdline', 'ucode.cpio'],
    );
    for (const x of rows) assert.deepEqual(x.slice(0, 2), ['-rw-r--r--', '0/0']);
    assert.equal(rows[0]![2], String(KERNEL.length));
    assert.equal(`${rows[0]![3]} ${rows[0]![4]}`, new Date(LINUXKIT_MOD_TIME * 1000).toISOString().slice(0, 16).replace('T', ' '));
  }));

test('kernel+squashfs: unsquashfs lists the root filesystem with owners, modes and links', () =>
  withDir(async (dir) => {
    await getFormat('kernel+squashfs').write(tarStream(rootfs()), { dir, name: 's' });
    assert.deepEqual(await readFile(join(dir, 's-kernel')), KERNEL);
    assert.equal(await readFile(join(dir, 's-cmdline'), 'utf8'), 'console=ttyS0 page_poison=1');
    const r = spawnSync('unsquashfs', ['-lln', join(dir, 's-squashfs.img')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const row = (n: string) => {
      const l = lines.find((x) => x.endsWith(`squashfs-root/${n}`) || x.includes(`squashfs-root/${n} -> `));
      assert.ok(l, `${n} missing:\n${r.stdout}`);
      return l.split(/\s+/);
    };
    assert.ok(!lines.some((l) => l.includes('squashfs-root/boot/')), 'boot files are not in the root filesystem');
    assert.deepEqual(row('home/user/notes').slice(0, 2), ['-rw-------', '1000/1000']);
    assert.equal(row('usr/bin/passwd')[0], '-rwsr-xr-x');
    assert.equal(row('bin/ls')[0], 'lrwxrwxrwx');
    assert.deepEqual([row('dev/console')[0], row('dev/console')[2], row('dev/console')[3]], ['crw-------', '5,', '1']);
    assert.equal(row('tmp')[0], 'drwxrwxrwt');
    const x = join(dir, 'x');
    assert.equal(spawnSync('unsquashfs', ['-q', '-d', x, join(dir, 's-squashfs.img')]).status, 0);
    const [a, b] = await Promise.all([stat(join(x, 'bin/busybox')), stat(join(x, 'bin/sh'))]);
    assert.equal(a.ino, b.ino, 'hard link kept');
  }));

test('kernel+squashfs: --compress picks the squashfs compressor', () =>
  withDir(async (dir) => {
    for (const compress of ['zstd', 'lz4', 'none'] as const) {
      await getFormat('kernel+squashfs').write(tarStream(rootfs()), { dir, name: compress }, { compress });
      const r = spawnSync('unsquashfs', ['-s', join(dir, `${compress}-squashfs.img`)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      if (compress === 'none') assert.match(r.stdout, /Data is uncompressed/);
      else assert.match(r.stdout, new RegExp(`Compression ${compress}`));
    }
  }));

test('tar: the stream as is, to NAME.tar or to a given file', () =>
  withDir(async (dir) => {
    const [p] = await getFormat('tar').write(tarStream(rootfs()), { dir, name: 'plain' });
    assert.equal(p, join(dir, 'plain.tar'));
    const chunks: Buffer[] = [];
    for await (const c of tarStream(rootfs())) chunks.push(c as Buffer);
    assert.deepEqual(await readFile(p!), Buffer.concat(chunks));
    const [q] = await getFormat('tar').write(tarStream(rootfs()), { dir, name: 'ignored', file: join(dir, 'o.tar') });
    assert.equal(q, join(dir, 'o.tar'));
  }));

test("docker: the root filesystem tar with LinuxKit's Dockerfile last; the same entries", () =>
  withDir(async (dir) => {
    const entries: FixtureEntry[] = [
      { name: 'boot/kernel', content: 'KERNEL' },
      { name: 'bin/rc.init', content: '#!/bin/sh\n', mode: 0o755 },
      { name: 'etc/shadow', content: 'x', mode: 0o600, uid: 0, gid: 42 },
    ];
    const files = await getFormat('docker').write(tarStream(entries), { dir, name: 'img' });
    assert.deepEqual(files, [join(dir, 'img.docker')]);
    const list = spawnSync('tar', ['-tvf', join(dir, 'img.docker'), '--numeric-owner'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } })
      .stdout.trim()
      .split('\n');
    assert.deepEqual(
      list.map((l) => l.split(/\s+/).pop()),
      ['boot/kernel', 'bin/rc.init', 'etc/shadow', 'Dockerfile'],
    );
    assert.match(list[2]!, /^-rw------- 0\/42 /);
    assert.match(list[3]!, /^-rw-r--r-- 0\/0 .* 2017-04-18 16:30 Dockerfile$/);
    const dockerfile = spawnSync('tar', ['-xOf', join(dir, 'img.docker'), 'Dockerfile'], { encoding: 'utf8' }).stdout;
    assert.equal(dockerfile, '\nFROM scratch\n\nCOPY . ./\n\nENTRYPOINT ["/bin/rc.init"]\n');
    assert.equal(getFormat('docker').streamable, true);
  }));
