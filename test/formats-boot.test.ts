// A real boot: Debian's cloud kernel and a busybox /init, turned into kernel+initrd by the
// kernel+initrd format with each compression, booted under qemu (TCG), asserting the init's
// marker on the serial console. The init also checks that a hard link survived as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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

function image(kernel: string, busybox: string): FixtureEntry[] {
  return [
    { name: 'boot', type: 'directory' },
    { name: 'boot/kernel', fromFile: kernel },
    { name: 'boot/cmdline', content: 'console=ttyS0 panic=-1 quiet' },
    { name: 'bin', type: 'directory' },
    { name: 'bin/busybox', fromFile: busybox, mode: 0o755 },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
    { name: 'dev', type: 'directory' },
    { name: 'dev/console', type: 'character-device', mode: 0o600, devmajor: 5, devminor: 1 },
    { name: 'proc', type: 'directory' },
    { name: 'init', content: INIT, mode: 0o755 },
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

test('kernel+initrd boots under qemu with every compression', { skip: !haveQemu && 'qemu-system-x86 not installed' }, async (t) => {
  const kernel = debianCloudKernel().vmlinuz;
  const busybox = join(debUnpack('busybox-static'), 'bin', 'busybox');
  const dir = await mkdtemp(join(tmpdir(), 'formats-boot-'));
  try {
    // Three boots (~5–20 s each on a loaded 2-core machine): our own chunked deflate stream, zstd, and
    // lz4's legacy framing. 'none' is the same cpio as gzip's, uncompressed.
    for (const compress of ['gzip', 'zstd', 'lz4'] as Compression[]) {
      await t.test(compress, async () => {
        await getFormat('kernel+initrd').write(tarStream(image(kernel, busybox)), { dir, name: compress }, { compress });
        const cmdline = await readFile(join(dir, `${compress}-cmdline`), 'utf8');
        const out = await boot(join(dir, `${compress}-kernel`), join(dir, `${compress}-initrd.img`), cmdline);
        const m = /LKTS-BOOT-OK links=(\d+) uptime=([\d.]+)/.exec(out);
        assert.ok(m, `marker not on the console:\n${out.slice(-3000)}`);
        assert.equal(m[1], '2', '/bin/sh is a hard link to /bin/busybox in the booted system');
        t.diagnostic(`${compress}: init reached at ${m[2]} s guest uptime`);
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
