// Every bootable ISO and disk format, booted through `linuxkit run qemu` (TCG) as LinuxKit's run
// finds them: iso-bios by its .iso extension (SeaBIOS, ISOLINUX, root on the CD), kernel+iso as
// PATH-kernel with PATH.iso, raw-bios as a disk image by extension (SeaBIOS, SYSLINUX, initrd),
// and one boot for the fixed-size disk formats: qcow2-bios, after checking that the gcp
// tarball's disk.raw is the same disk (the others hold it too: src/formats/disk-formats.test.ts);
// raw-efi as NAME-efi.img, qcow2-efi as NAME-efi.qcow2 and iso-efi as NAME-efi.iso, which run qemu
// boots with UEFI (OVMF) by their names; iso-efi-initrd (NAME-efi-initrd.iso) with --uefi, as
// LinuxKit's run needs for every UEFI image.
// One image from the project's packages (kernel, init, crun, busybox) with an onboot container
// that prints a marker and the root= it was given, then asks init for a poweroff. One build
// makes iso-bios, raw-bios, qcow2-bios, gcp, raw-efi, qcow2-efi, iso-efi and iso-efi-initrd together (one pass over the root filesystem); kernel+iso writes
// NAME.iso too, so it is a second build under another name. One boot per format.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { boot, tempDir } from './fixtures/boot.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

const tmp = tempDir('formats-images-boot');
const cache = join(tmp, 'cache');
const out = join(tmp, 'out');

const config = (pkg: (name: string) => string) => `kernel:
  image: "${pkg('kernel')}"
  cmdline: "console=ttyS0 panic=-1"
init:
  - "${pkg('init')}"
  - "${pkg('crun')}"
onboot:
  - name: marker
    image: "${pkg('busybox')}"
    pid: host
    binds:
      - /dev/console:/dev/console
    command: [/bin/sh, -c, 'echo "FORMAT-BOOT""-OK $(grep -o "root=[^ ]*" /proc/cmdline)" >/dev/console; kill -USR2 1']
`;

/** Boots PATH with `linuxkit run qemu`'s detection; resolves to the marker line and qemu's status. */
async function bootFormat(path: string, state: string, uefi = false): Promise<{ marker: string; status: number; console: string }> {
  const vm = await boot(path, { state: join(tmp, state), mem: 256, uefi });
  try {
    // The marker's whole line: waitFor also matches the last, possibly half-arrived line (it
    // serves prompts), so wait for the init's next stage line, then read the marker's.
    await vm.waitFor(/onboot 000-marker done/, 180_000);
    const marker = (
      vm
        .text()
        .split(/\r?\n/)
        .find((l) => l.startsWith('FORMAT-BOOT-OK')) ?? ''
    ).trim();
    const status = await vm.wait();
    return { marker, status, console: vm.text() };
  } catch (err) {
    process.stderr.write(`--- ${state} console ---\n${vm.text()}\n--- end ---\n`);
    throw err;
  } finally {
    vm.kill();
  }
}

describe('ISO and disk formats, booted under qemu', { timeout: 900_000 }, () => {
  before(async () => {
    await buildProjectPackages(cache, ['kernel', 'init', 'crun', 'busybox']);
    const yml = join(tmp, 'formats.yml');
    writeFileSync(
      yml,
      config((name) => `@pkg:${join(ROOT, 'pkg', name)}`),
    );
    for (const args of [
      [
        '--name',
        'img',
        '-f',
        'iso-bios',
        '-f',
        'raw-bios',
        '-f',
        'qcow2-bios',
        '-f',
        'gcp',
        '-f',
        'raw-efi',
        '-f',
        'qcow2-efi',
        '-f',
        'iso-efi',
        '-f',
        'iso-efi-initrd',
      ],
      ['--name', 'kiso', '-f', 'kernel+iso'],
    ]) {
      const b = runCli(['--cache', cache, 'build', '--dir', out, ...args, yml]);
      assert.equal(b.status, 0, b.stderr);
    }
  });

  it('iso-bios boots from the CD-ROM (run qemu NAME.iso), its root the ISO on /dev/sr0', async () => {
    const r = await bootFormat(join(out, 'img.iso'), 'iso-bios-state');
    assert.equal(r.marker, 'FORMAT-BOOT-OK root=/dev/sr0');
    assert.ok(/ISOLINUX/.test(r.console), 'ISOLINUX loaded the kernel');
    assert.ok(/VFS: Mounted root \(iso9660 filesystem\)/.test(r.console), 'the root is the ISO');
    assert.equal(r.status, 0);
  });

  it('kernel+iso boots (run qemu NAME: NAME-kernel with NAME.iso as the root CD-ROM)', async () => {
    const r = await bootFormat(join(out, 'kiso'), 'kernel-iso-state');
    assert.equal(r.marker, 'FORMAT-BOOT-OK root=/dev/sr0');
    assert.ok(/VFS: Mounted root \(iso9660 filesystem\)/.test(r.console), 'the root is the ISO');
    assert.equal(r.status, 0);
  });

  it('raw-bios boots from the disk (run qemu NAME-bios.img), SYSLINUX loading kernel and initrd', async () => {
    const r = await bootFormat(join(out, 'img-bios.img'), 'raw-bios-state');
    assert.equal(r.marker, 'FORMAT-BOOT-OK', 'no root=: the root is the initrd');
    assert.ok(/SYSLINUX/.test(r.console), 'SYSLINUX loaded the kernel');
    assert.equal(r.status, 0);
  });

  it('qcow2-bios boots from the disk (run qemu NAME.qcow2), the gcp tarball holding the same disk as disk.raw', async () => {
    const gcp = join(tmp, 'gcp');
    mkdirSync(gcp);
    execFileSync('tar', ['-xzf', join(out, 'img.img.tar.gz'), '-C', gcp]);
    execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', join(gcp, 'disk.raw'), join(out, 'img.qcow2')]);
    const r = await bootFormat(join(out, 'img.qcow2'), 'qcow2-bios-state');
    assert.equal(r.marker, 'FORMAT-BOOT-OK', 'no root=: the root is the initrd');
    assert.ok(/SYSLINUX/.test(r.console), 'SYSLINUX loaded the kernel');
    assert.equal(r.status, 0);
  });

  it('raw-efi boots with OVMF (run qemu NAME-efi.img: UEFI by its name), GRUB loading kernel and initrd', async () => {
    const r = await bootFormat(join(out, 'img-efi.img'), 'raw-efi-state');
    assert.equal(r.marker, 'FORMAT-BOOT-OK', 'no root=: the root is the initrd');
    assert.ok(/efi: EFI v/.test(r.console), 'the kernel was started by UEFI firmware');
    assert.ok(/Command line: .*console=ttyS0 panic=-1 text/.test(r.console), "GRUB passed LinuxKit's command line");
    assert.equal(r.status, 0);
  });

  it('iso-efi boots with OVMF from the CD-ROM (run qemu NAME-efi.iso), GRUB loading /boot/kernel, the root the ISO', async () => {
    const r = await bootFormat(join(out, 'img-efi.iso'), 'iso-efi-state');
    assert.equal(r.marker, 'FORMAT-BOOT-OK root=/dev/sr0');
    assert.ok(/efi: EFI v/.test(r.console), 'the kernel was started by UEFI firmware');
    assert.ok(/VFS: Mounted root \(iso9660 filesystem\)/.test(r.console), 'the root is the ISO');
    assert.equal(r.status, 0);
  });

  it('qcow2-efi boots with OVMF (run qemu NAME-efi.qcow2: UEFI by its name), GRUB loading kernel and initrd', async () => {
    const r = await bootFormat(join(out, 'img-efi.qcow2'), 'qcow2-efi-state');
    assert.equal(r.marker, 'FORMAT-BOOT-OK', 'no root=: the root is the initrd');
    assert.ok(/efi: EFI v/.test(r.console), 'the kernel was started by UEFI firmware');
    assert.ok(/Command line: .*console=ttyS0 panic=-1 text/.test(r.console), "GRUB passed LinuxKit's command line");
    assert.equal(r.status, 0);
  });

  it('iso-efi-initrd boots with OVMF from the CD-ROM (run qemu --uefi NAME-efi-initrd.iso), GRUB loading kernel and initrd', async () => {
    const r = await bootFormat(join(out, 'img-efi-initrd.iso'), 'iso-efi-initrd-state', true);
    assert.equal(r.marker, 'FORMAT-BOOT-OK', 'no root=: the root is the initrd');
    assert.ok(/efi: EFI v/.test(r.console), 'the kernel was started by UEFI firmware');
    assert.ok(!/VFS: Mounted root \(iso9660 filesystem\)/.test(r.console), 'the root is not the ISO');
    assert.equal(r.status, 0);
  });
});
