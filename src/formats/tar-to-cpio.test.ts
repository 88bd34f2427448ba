// Identical files of different images stored once in the initrd (tar-to-cpio.ts), checked by
// unpacking with GNU cpio, which keeps hard links by (device, inode) as the kernel does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { getFormat } from './registry.js';
import { DEDUP_MIN } from './tar-to-cpio.js';
import { tarStream, type FixtureEntry } from '../../test/fixtures/tar.js';

// Random bytes: gzip cannot shrink them, so every stored copy shows in the initrd's size.
const BUSYBOX = randomBytes(200_000);
const OTHER = randomBytes(200_000);

/** Three images (an init image, an onboot and a service container), each with its own busybox. */
function images(): FixtureEntry[] {
  const part = (source: string, location: string) => ({ 'LINUXKIT.source': source, 'LINUXKIT.location': location });
  const init = part('docker.io/linuxkit/init:1', 'init[0]');
  const dhcpcd = part('docker.io/linuxkit/dhcpcd:1', 'onboot[0]');
  const getty = part('docker.io/linuxkit/getty:1', 'services[0]');
  const lower = (c: string) => `containers/${c}/lower`;
  return [
    { name: 'boot/kernel', content: Buffer.alloc(1000, 'K'), pax: init },
    { name: 'bin/busybox', content: BUSYBOX, mode: 0o755, pax: init },
    { name: 'bin/small', content: Buffer.alloc(DEDUP_MIN - 1, 's'), mode: 0o755, pax: init },
    { name: `${lower('onboot/000-dhcpcd')}/bin/busybox`, content: BUSYBOX, mode: 0o755, pax: dhcpcd },
    { name: `${lower('onboot/000-dhcpcd')}/bin/sh`, type: 'link', linkname: `${lower('onboot/000-dhcpcd')}/bin/busybox`, pax: dhcpcd },
    { name: `${lower('onboot/000-dhcpcd')}/bin/small`, content: Buffer.alloc(DEDUP_MIN - 1, 's'), mode: 0o755, pax: dhcpcd },
    { name: `${lower('services/getty')}/bin/busybox`, content: BUSYBOX, mode: 0o755, pax: getty },
    // Same size and metadata, other bytes; same bytes, another mode: neither may be shared.
    { name: `${lower('services/getty')}/bin/other`, content: OTHER, mode: 0o755, pax: getty },
    { name: `${lower('services/getty')}/bin/busybox-setuid`, content: BUSYBOX, mode: 0o4755, pax: getty },
  ];
}

for (const memberCache of [undefined, false] as const) {
  const how = memberCache === undefined ? 'one gzip stream' : 'a member per image';
  test(`initrd (${how}): a file identical to an earlier image's is a hard link to it, nothing else is`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dedup-'));
    try {
      await getFormat('kernel+initrd').write(tarStream(images()), { dir, name: 'm' }, { memberCache });
      const initrd = gunzipSync(await readFile(join(dir, 'm-initrd.img')));
      // One copy of BUSYBOX stored (with OTHER, the setuid copy and the two small files), not three.
      const once = 3 * BUSYBOX.length + 2 * DEDUP_MIN + 16 * 1024;
      assert.ok(initrd.length < once, `initrd is ${initrd.length} bytes, more than ${once}: busybox stored more than once`);
      const x = join(dir, 'x');
      const r = spawnSync('sh', ['-c', `mkdir ${x} && cd ${x} && cpio -idm --quiet`], { input: initrd });
      assert.equal(r.status, 0, String(r.stderr));
      const at = (p: string) => stat(join(x, p));
      const busybox = await at('bin/busybox');
      for (const p of [
        'containers/onboot/000-dhcpcd/lower/bin/busybox',
        'containers/onboot/000-dhcpcd/lower/bin/sh',
        'containers/services/getty/lower/bin/busybox',
      ]) {
        assert.equal((await at(p)).ino, busybox.ino, `${p} shares bin/busybox's inode`);
        assert.deepEqual(await readFile(join(x, p)), BUSYBOX, `${p} has busybox's bytes`);
      }
      assert.equal(busybox.nlink, 4);
      assert.notEqual((await at('containers/services/getty/lower/bin/other')).ino, busybox.ino, 'other bytes: its own inode');
      assert.deepEqual(await readFile(join(x, 'containers/services/getty/lower/bin/other')), OTHER);
      const setuid = await at('containers/services/getty/lower/bin/busybox-setuid');
      assert.notEqual(setuid.ino, busybox.ino, 'another mode: its own inode');
      assert.equal(setuid.mode & 0o7777, 0o4755);
      assert.notEqual((await at('containers/onboot/000-dhcpcd/lower/bin/small')).ino, (await at('bin/small')).ino, 'below DEDUP_MIN: not shared');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('initrd: the same file at the same path in two images is written once; a path written over is not linked to', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'dedup-'));
  try {
    const init = (n: number) => ({ 'LINUXKIT.source': `docker.io/linuxkit/init${n}:1`, 'LINUXKIT.location': `init[${n}]` });
    const entries: FixtureEntry[] = [
      { name: 'boot/kernel', content: Buffer.alloc(1000, 'K'), pax: init(0) },
      // Two init images with the same busybox: the kernel, asked to link bin/busybox to the
      // inode first named bin/busybox, would remove it first and lose it.
      { name: 'bin/busybox', content: BUSYBOX, mode: 0o755, pax: init(0) },
      { name: 'bin/x', content: BUSYBOX, mode: 0o644, pax: init(0) },
      { name: 'bin/busybox', content: BUSYBOX, mode: 0o755, pax: init(1) },
      // bin/x written over with other bytes: a later copy of its first bytes must not link to it.
      { name: 'bin/x', content: OTHER, mode: 0o644, pax: init(1) },
      { name: 'bin/y', content: BUSYBOX, mode: 0o644, pax: init(1) },
    ];
    await getFormat('kernel+initrd').write(tarStream(entries), { dir, name: 'm' }, {});
    const initrd = gunzipSync(await readFile(join(dir, 'm-initrd.img')));
    const names = spawnSync('cpio', ['-it', '--quiet'], { input: initrd, encoding: 'utf8' }).stdout.split('\n');
    assert.equal(names.filter((n) => n === 'bin/busybox').length, 1, 'bin/busybox once');
    const x = join(dir, 'x');
    // -u: a later entry replaces an earlier one of the same age, as the kernel's unpacker does.
    const r = spawnSync('sh', ['-c', `mkdir ${x} && cd ${x} && cpio -idmu --quiet`], { input: initrd });
    assert.equal(r.status, 0, String(r.stderr));
    assert.deepEqual(await readFile(join(x, 'bin/busybox')), BUSYBOX);
    assert.deepEqual(await readFile(join(x, 'bin/x')), OTHER);
    assert.deepEqual(await readFile(join(x, 'bin/y')), BUSYBOX, 'bin/y has its own bytes, not those now at bin/x');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
