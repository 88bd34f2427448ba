// A real boot: Debian's cloud kernel and a busybox /init, turned into kernel+initrd by the
// kernel+initrd format with each compression, booted under qemu (TCG), asserting the init's
// marker on the serial console. The init also checks that a hard link survived as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFormat } from '../src/formats/registry.js';
import type { Compression } from '../src/formats/types.js';
import { debianCloudKernel, debUnpack } from './fixtures/debian.js';
import { tarStream, type FixtureEntry } from './fixtures/tar.js';

const BOOT_TIMEOUT_MS = 90_000;

const INIT = `#!/bin/sh
/bin/busybox mount -t proc proc /proc
echo "LKTS-BOOT""-OK links=$(/bin/busybox stat -c %h /bin/sh) uptime=$(/bin/busybox cut -d' ' -f1 /proc/uptime)"
/bin/busybox poweroff -f
`;

// With LinuxKit's origin records, so that a member cache splits the initrd into a member per
// origin (kernel part; busybox + init, cached since > 1 MiB; the rest).
const KERNEL_PAX = { 'LINUXKIT.source': 'debian/kernel', 'LINUXKIT.location': 'kernel' };
const INIT_PAX = { 'LINUXKIT.source': 'debian/busybox', 'LINUXKIT.location': 'init[0]' };
const FILES_PAX = { 'LINUXKIT.source': 'linuxkit.files', 'LINUXKIT.location': 'files' };

function image(kernel: string, busybox: string): FixtureEntry[] {
  return [
    { name: 'boot', type: 'directory', pax: KERNEL_PAX },
    { name: 'boot/kernel', fromFile: kernel, pax: KERNEL_PAX },
    { name: 'boot/cmdline', content: 'console=ttyS0 panic=-1 quiet', pax: KERNEL_PAX },
    { name: 'bin', type: 'directory', pax: INIT_PAX },
    { name: 'bin/busybox', fromFile: busybox, mode: 0o755, pax: INIT_PAX },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox', pax: INIT_PAX },
    { name: 'dev', type: 'directory', pax: FILES_PAX },
    { name: 'dev/console', type: 'character-device', mode: 0o600, devmajor: 5, devminor: 1, pax: FILES_PAX },
    { name: 'proc', type: 'directory', pax: FILES_PAX },
    { name: 'init', content: INIT, mode: 0o755, pax: FILES_PAX },
  ];
}

/** Boots kernel + initrd; resolves with the serial console output once qemu exits. */
function boot(kernel: string, initrd: string, cmdline: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      'qemu-system-x86_64',
      ['-accel', 'tcg', '-m', '256', '-nographic', '-no-reboot', '-kernel', kernel, '-initrd', initrd, '-append', cmdline],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    qemu.stdout.on('data', (d: Buffer) => (out += d.toString()));
    qemu.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      qemu.kill('SIGKILL');
      reject(new Error(`no poweroff within ${BOOT_TIMEOUT_MS / 1000} s; console:\n${out.slice(-3000)}`));
    }, BOOT_TIMEOUT_MS);
    qemu.on('error', reject);
    qemu.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

const haveQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;

test('kernel+initrd boots under qemu: gzip, lz4, and initrds of several cached members', { skip: !haveQemu && 'qemu-system-x86 not installed' }, async (t) => {
  const kernel = debianCloudKernel().vmlinuz;
  const busybox = join(debUnpack('busybox-static'), 'bin', 'busybox');
  const dir = await mkdtemp(join(tmpdir(), 'formats-boot-'));
  try {
    // Four boots (~3–20 s each on a shared 2-core machine): our own chunked deflate stream, lz4's
    // legacy framing, and gzip / zstd initrds made of several members, the second build taking
    // the busybox member from the cache. 'none' is the same cpio as gzip's, uncompressed; plain
    // zstd is one ordinary frame.
    const cases: [string, Compression, boolean][] = [
      ['gzip', 'gzip', false],
      ['lz4', 'lz4', false],
      ['gzip, members from the cache', 'gzip', true],
      ['zstd, members from the cache', 'zstd', true],
    ];
    for (const [label, compress, cached] of cases) {
      await t.test(label, async () => {
        const name = `${compress}${cached ? '-cached' : ''}`;
        const memberCache = cached ? join(dir, 'members') : undefined;
        for (let i = 0; i < (cached ? 2 : 1); i++) {
          await getFormat('kernel+initrd').write(tarStream(image(kernel, busybox)), { dir, name }, { compress, memberCache });
        }
        if (cached) assert.ok((await readdir(join(dir, 'members', 'members'))).length > 0, 'a member was cached');
        const cmdline = await readFile(join(dir, `${name}-cmdline`), 'utf8');
        const out = await boot(join(dir, `${name}-kernel`), join(dir, `${name}-initrd.img`), cmdline);
        const m = /LKTS-BOOT-OK links=(\d+) uptime=([\d.]+)/.exec(out);
        assert.ok(m, `marker not on the console:\n${out.slice(-3000)}`);
        assert.equal(m[1], '2', '/bin/sh is a hard link to /bin/busybox in the booted system');
        t.diagnostic(`${label}: init reached at ${m[2]} s guest uptime`);
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
