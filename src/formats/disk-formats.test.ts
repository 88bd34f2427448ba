// The ISO and raw disk formats on small tar streams, with the real host tools (xorriso, mtools,
// syslinux): what lands in the ISO from hostile names and symlinks, the MBR, errors naming a
// missing tool's package, and all-or-nothing outputs. Booting them is test/formats-images-boot.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { getFormat } from './registry.js';
import { requireTools } from './host-tools.js';
import { quote } from './iso-tree.js';
import { mbr } from './mbr.js';
import { UserError } from '../util/index.js';
import { tarStream, type FixtureEntry } from '../../test/fixtures/tar.js';

const tmp = mkdtempSync(join(tmpdir(), 'disk-formats-'));
process.on('exit', () => execFileSync('rm', ['-rf', tmp]));

/** `xorriso -lsdl` of every path in an ISO: "mode links uid gid size date name [-> target]". */
function isoListing(iso: string): string {
  return execFileSync('xorriso', ['-indev', iso, '-find', '/', '-exec', 'lsdl'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

test('a missing host tool names its Debian package and the apt-get line', () => {
  assert.throws(
    () =>
      requireTools('iso-bios', [
        { name: 'no-such-tool-lkts', debianPackage: 'pkg-a' },
        { name: '/no/such/file.bin', debianPackage: 'pkg-b' },
      ]),
    (e: unknown) =>
      e instanceof UserError &&
      /no-such-tool-lkts \(Debian package pkg-a\).*\/no\/such\/file\.bin \(Debian package pkg-b\).*apt-get install pkg-a pkg-b/.test(e.message),
  );
  assert.doesNotThrow(() => requireTools('kernel+iso', getFormat('kernel+iso').hostTools ?? []));
});

test('xorriso words: every byte but printable ASCII, " and \\ is a \\x code', () => {
  assert.equal(quote('/a b/"x"\\y\nz'), '"/a\\x20b/\\x22x\\x22\\x5cy\\x0az"');
  assert.equal(quote('/é'), '"/\\xc3\\xa9"');
});

test('kernel+iso: owners, modes, symlinks and odd names in the ISO; hostile symlinks reach nothing on the host', async () => {
  const outside = join(tmp, 'outside');
  mkdirSync(outside);
  const entries: FixtureEntry[] = [
    { name: 'boot/kernel', content: 'KERNEL' },
    { name: 'boot/cmdline', content: 'console=ttyS0' },
    { name: 'etc', type: 'directory', mode: 0o750, uid: 0, gid: 42 },
    { name: 'etc/shadow', content: 'secret', mode: 0o600, uid: 0, gid: 42 },
    { name: 'bin/su', content: 'su', mode: 0o4755 },
    { name: 'home/user/"odd name"\n\\x', content: 'odd', uid: 1000, gid: 1000 },
    // Symlinks out of the image, and entries through them: xorriso only ever sees ISO paths.
    { name: 'escape', type: 'symlink', linkname: outside },
    { name: 'up', type: 'symlink', linkname: '../../../../..' + outside },
    { name: 'up/planted', content: 'PLANTED' },
  ];
  const dir = join(tmp, 'kiso');
  await getFormat('kernel+iso').write(tarStream(entries), { dir, name: 'k' });
  assert.deepEqual(readdirSync(dir).sort(), ['k-cmdline', 'k-kernel', 'k.iso']);
  assert.equal(readFileSync(join(dir, 'k-kernel'), 'utf8'), 'KERNEL');
  assert.deepEqual(readdirSync(outside), [], "nothing written through the image's symlinks");
  const ls = isoListing(join(dir, 'k.iso'));
  assert.match(ls, /^drwxr-x---\s+\d+\s+0\s+42\s.*'\/etc'$/m);
  assert.match(ls, /^-rw-------\s+1\s+0\s+42\s+6\s.*'\/etc\/shadow'$/m);
  assert.match(ls, /^-rwsr-xr-x\s.*'\/bin\/su'$/m);
  assert.match(ls, /^-rw-r--r--\s+1\s+1000\s+1000\s+3\s.*'\/home\/user\/"odd name"\n\\x'$/m);
  // Directories the image implies but does not list: root's, 0755, the epoch (not the build's time).
  assert.match(ls, /^drwxr-xr-x\s+1\s+0\s+0\s+0 Apr 18\s+2017 '\/home\/user'$/m);
  assert.match(ls, new RegExp(`'/escape' -> '${outside}'`));
  assert.doesNotMatch(ls, /boot/, 'kernel+iso keeps boot/ out of the ISO');
});

test('iso-bios: ISOLINUX El Torito, hybrid MBR, the cmdline with root=/dev/sr0, reproducible', async () => {
  const entries = (): FixtureEntry[] => [
    { name: 'boot/kernel', content: 'KERNEL' },
    { name: 'boot/cmdline', content: 'console=ttyS0\nquiet' },
    { name: 'init', content: '#!/bin/sh\n', mode: 0o755 },
  ];
  const dirs = [join(tmp, 'ib1'), join(tmp, 'ib2')];
  for (const dir of dirs) await getFormat('iso-bios').write(tarStream(entries()), { dir, name: 'x' });
  const iso = join(dirs[0]!, 'x.iso');
  assert.deepEqual(readFileSync(iso), readFileSync(join(dirs[1]!, 'x.iso')), 'two builds, the same bytes');
  const report = execFileSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain', '-report_system_area', 'plain'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.match(report, /El Torito img path :\s+1\s+\/isolinux\/isolinux\.bin/);
  assert.match(report, /boot-info-table/);
  assert.match(report, /MBR isohybrid/);
  assert.equal(readFileSync(iso).readUInt16LE(510), 0xaa55);
  execFileSync('xorriso', ['-indev', iso, '-osirrox', 'on', '-extract', '/isolinux/isolinux.cfg', join(tmp, 'isolinux.cfg')], { stdio: 'ignore' });
  assert.equal(
    readFileSync(join(tmp, 'isolinux.cfg'), 'utf8'),
    'DEFAULT linux\nLABEL linux\n    KERNEL /boot/kernel\n    APPEND console=ttyS0 quiet root=/dev/sr0\n',
  );
  assert.match(isoListing(iso), /'\/boot\/kernel'$/m);
});

test('a failed ISO leaves no partial output and keeps the previous one', async () => {
  const dir = join(tmp, 'keep');
  mkdirSync(dir);
  writeFileSync(join(dir, 'x.iso'), 'previous');
  await assert.rejects(
    getFormat('iso-bios').write(tarStream([{ name: 'init', content: 'x' }]), { dir, name: 'x' }),
    (e: unknown) => e instanceof UserError && /no boot\/kernel/.test(e.message),
  );
  assert.deepEqual(readdirSync(dir), ['x.iso'], 'no temporary file or staging directory left');
  assert.equal(readFileSync(join(dir, 'x.iso'), 'utf8'), 'previous');
});

test('raw-bios: one bootable partition at 1 MiB with SYSLINUX, kernel, initrd.img and syslinux.cfg; reproducible', async () => {
  const entries = (): FixtureEntry[] => [
    { name: 'boot/kernel', content: Buffer.alloc(300_000, 7) },
    { name: 'boot/cmdline', content: 'console=ttyS0' },
    { name: 'init', content: '#!/bin/sh\n', mode: 0o755 },
  ];
  const dirs = [join(tmp, 'rb1'), join(tmp, 'rb2')];
  for (const dir of dirs) await getFormat('raw-bios').write(tarStream(entries()), { dir, name: 'x' });
  const img = join(dirs[0]!, 'x-bios.img');
  const disk = readFileSync(img);
  assert.ok(disk.equals(readFileSync(join(dirs[1]!, 'x-bios.img'))), 'two builds, the same bytes');
  assert.equal(disk.length % (1024 * 1024), 0);
  const table = JSON.parse(execFileSync('sfdisk', ['-J', img], { encoding: 'utf8' })) as {
    partitiontable: { partitions: Array<{ start: number; size: number; type: string; bootable?: boolean }> };
  };
  const [p, ...rest] = table.partitiontable.partitions;
  assert.deepEqual(rest, []);
  assert.equal(p!.start, 2048);
  assert.equal(p!.bootable, true);
  assert.equal(p!.size % 2048, 0, 'the partition is whole MiB');
  assert.equal(disk[439], 1, 'altmbr boots partition 1');
  const esp = join(tmp, 'esp.img');
  writeFileSync(esp, disk.subarray(2048 * 512, (2048 + p!.size) * 512));
  const files = execFileSync('mdir', ['-a', '-b', '-i', esp, '::/'], { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } })
    .split('\n')
    .filter(Boolean)
    .sort();
  assert.deepEqual(files, ['::/initrd.img', '::/kernel', '::/ldlinux.c32', '::/ldlinux.sys', '::/syslinux.cfg']);
  const cfg = execFileSync('mtype', ['-i', esp, '::/syslinux.cfg'], { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  assert.equal(cfg, 'DEFAULT linux\nLABEL linux\n    KERNEL /kernel\n    INITRD /initrd.img\n    APPEND console=ttyS0\n');
});

test("MBR: LBA and sfdisk's CHS, the signature", () => {
  const b = mbr(Buffer.from([0xeb]), 0x12345678, [{ start: 2048, sectors: 20480, type: 0x83, bootable: true }]);
  assert.equal(b.readUInt32LE(440), 0x12345678);
  assert.deepEqual(
    [...b.subarray(446, 462)],
    [0x80, 0x20, 0x21, 0, 0x83, 0x66, 0x25, 0x01, 0, 8, 0, 0, 0, 0x50, 0, 0],
    'the bytes sfdisk writes for 2048,20480,83,*',
  );
  assert.equal(b.readUInt16LE(510), 0xaa55);
});

test('fixed-size BIOS disks (aws, qcow2-bios, vhd, dynamic-vhd, vmdk, gcp): the same raw disk of --size in each container, byte-reproducible', async () => {
  const entries = (): FixtureEntry[] => [
    { name: 'boot/kernel', content: Buffer.alloc(300_000, 7) },
    { name: 'boot/cmdline', content: 'console=ttyS0' },
    { name: 'init', content: '#!/bin/sh\n', mode: 0o755 },
  ];
  const files: Record<string, string> = { aws: 'x.raw', 'qcow2-bios': 'x.qcow2', vhd: 'x.vhd', 'dynamic-vhd': 'x.vhd', vmdk: 'x.vmdk', gcp: 'x.img.tar.gz' };
  const made = (format: string, run: number) => join(tmp, `${format}-${run}`, files[format]!);
  for (const run of [1, 2]) {
    for (const format of Object.keys(files))
      await getFormat(format).write(tarStream(entries()), { dir: join(tmp, `${format}-${run}`), name: 'x' }, { sizeMB: 40 });
  }
  for (const format of Object.keys(files))
    assert.ok(readFileSync(made(format, 1)).equals(readFileSync(made(format, 2))), `${format}: two builds, the same bytes`);
  const raw = made('aws', 1);
  assert.equal(readFileSync(raw).length, 40 * 1024 * 1024, 'aws: the raw disk is --size');
  const table = JSON.parse(execFileSync('sfdisk', ['-J', raw], { encoding: 'utf8' })) as {
    partitiontable: { partitions: Array<{ start: number; size: number; bootable?: boolean }> };
  };
  assert.deepEqual(
    table.partitiontable.partitions.map((p) => [p.start, p.size, p.bootable]),
    [[2048, 39 * 2048, true]],
    'one bootable partition from 1 MiB to the end',
  );
  // -f: qemu probes a fixed VHD as raw (its only header is the footer at the end).
  const info = (f: string, fmt: string) =>
    JSON.parse(execFileSync('qemu-img', ['info', '-f', fmt, '--output=json', f], { encoding: 'utf8' })) as {
      format: string;
      'virtual-size': number;
      'format-specific'?: { data?: { 'create-type'?: string } };
    };
  for (const [format, qemuFormat] of [
    ['qcow2-bios', 'qcow2'],
    ['vhd', 'vpc'],
    ['dynamic-vhd', 'vpc'],
    ['vmdk', 'vmdk'],
  ] as const) {
    const i = info(made(format, 1), qemuFormat);
    assert.equal(i.format, qemuFormat);
    assert.equal(i['virtual-size'], 40 * 1024 * 1024, `${format}: virtual size is --size`);
    // The same disk inside: qemu-img compare reads both as guests see them.
    execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', qemuFormat, raw, made(format, 1)]);
  }
  assert.equal(info(made('vmdk', 1), 'vmdk')['format-specific']?.data?.['create-type'], 'streamOptimized');
  const vhd = readFileSync(made('vhd', 1));
  assert.equal(vhd.toString('latin1', vhd.length - 512, vhd.length - 504), 'conectix');
  assert.equal(vhd.readUInt32BE(vhd.length - 512 + 60), 2, 'footer disk type: fixed');
  assert.equal(readFileSync(made('dynamic-vhd', 1)).readUInt32BE(60), 3, 'footer disk type: dynamic');
  // gcp: a gzip tar with exactly one member, disk.raw, in GNU's old format, sparse; GNU tar
  // unpacks the same disk from it.
  const tar = gunzipSync(readFileSync(made('gcp', 1)));
  assert.equal(tar.toString('latin1', 257, 265), 'ustar  \0', 'tar --format=oldgnu');
  assert.equal(String.fromCharCode(tar[156]!), 'S', 'a GNU sparse member');
  assert.equal(tar.length % 10240, 0, "padded to GNU tar's record");
  assert.ok(tar.length < 2 * 1024 * 1024, `the zeros are not stored (${tar.length} bytes)`);
  assert.deepEqual(
    execFileSync('tar', ['-tzf', made('gcp', 1)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean),
    ['disk.raw'],
  );
  const gcpDir = join(tmp, 'gcp-x');
  mkdirSync(gcpDir);
  execFileSync('tar', ['-xzf', made('gcp', 1), '-C', gcpDir]);
  assert.ok(readFileSync(join(gcpDir, 'disk.raw')).equals(readFileSync(raw)), 'disk.raw is the raw disk');
});

test("fixed-size disks: the default sizes are LinuxKit's; too small a --size says the size needed; nothing is left", async () => {
  const entries = (): FixtureEntry[] => [
    { name: 'boot/kernel', content: Buffer.alloc(3 * 1024 * 1024, 7) },
    { name: 'init', content: '#!/bin/sh\n', mode: 0o755 },
  ];
  const dir = join(tmp, 'small');
  await assert.rejects(
    getFormat('qcow2-bios').write(tarStream(entries()), { dir, name: 'x' }, { sizeMB: 4 }),
    (e: unknown) => e instanceof UserError && /qcow2-bios: a disk of 4 MiB is too small .* needs at least 6 MiB \(--size 6M\)/.test(e.message),
  );
  assert.deepEqual(readdirSync(dir), [], 'no output, no staging directory');
  await getFormat('dynamic-vhd').write(tarStream(entries()), { dir, name: 'd' });
  const i = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', join(dir, 'd.vhd')], { encoding: 'utf8' })) as { 'virtual-size': number };
  assert.equal(i['virtual-size'], 25 * 1024 ** 3, "dynamic-vhd is 25 GiB, as LinuxKit's");
});

test('raw-efi and qcow2-efi: GPT with one EFI System Partition, GRUB, kernel and initrd; the cmdline quoted for GRUB; reproducible', async () => {
  const entries = (): FixtureEntry[] => [
    { name: 'boot/kernel', content: Buffer.alloc(300_000, 7) },
    // A hostile command line: it must stay words of the linux command, never GRUB commands.
    { name: 'boot/cmdline', content: "console=ttyS0 x=';reboot' }" },
    { name: 'init', content: '#!/bin/sh\n', mode: 0o755 },
  ];
  const dirs = [join(tmp, 'efi1'), join(tmp, 'efi2')];
  for (const dir of dirs) for (const f of ['raw-efi', 'qcow2-efi']) await getFormat(f).write(tarStream(entries()), { dir, name: 'x' });
  for (const file of ['x-efi.img', 'x-efi.qcow2'])
    assert.ok(readFileSync(join(dirs[0]!, file)).equals(readFileSync(join(dirs[1]!, file))), `${file}: two builds, the same bytes`);
  const img = join(dirs[0]!, 'x-efi.img');
  execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', img, join(dirs[0]!, 'x-efi.qcow2')]);
  const disk = readFileSync(img);
  assert.equal(disk.length % (1024 * 1024), 0);
  // sfdisk checks both GPT headers and their CRCs (it warns and falls back otherwise).
  const { partitiontable: t } = JSON.parse(execFileSync('sfdisk', ['-J', img], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as {
    partitiontable: { label: string; lastlba: number; partitions: Array<{ start: number; size: number; type: string; name: string; attrs: string }> };
  };
  assert.equal(t.label, 'gpt');
  assert.equal(t.lastlba, disk.length / 512 - 34);
  assert.deepEqual(
    t.partitions.map((p) => [p.start, p.type, p.name, p.attrs]),
    [[2048, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B', 'EFI System', 'LegacyBIOSBootable']],
  );
  assert.equal(execFileSync('sfdisk', ['--verify', img], { encoding: 'utf8' }).includes('No errors detected'), true);
  const esp = join(tmp, 'efi-esp.img');
  writeFileSync(esp, disk.subarray(2048 * 512, (2048 + t.partitions[0]!.size) * 512));
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  const files = execFileSync('mdir', ['-/', '-a', '-b', '-i', esp, '::/'], { encoding: 'utf8', env })
    .split('\n')
    .filter((l) => l && !l.endsWith('/'))
    .sort();
  assert.deepEqual(files, ['::/EFI/BOOT/BOOTX64.EFI', '::/EFI/BOOT/grub.cfg', '::/initrd.img', '::/kernel']);
  assert.equal(
    execFileSync('mtype', ['-i', esp, '::/EFI/BOOT/grub.cfg'], { encoding: 'utf8', env }),
    "set timeout=0\nset gfxpayload=text\nmenuentry 'LinuxKit ISO Image' {\n\tlinux /kernel console=ttyS0 'x='\\'';reboot'\\''' '}' text\n\tinitrd /initrd.img\n}\n",
  );
});

test('iso-efi and iso-efi-initrd: a hidden FAT boot image with GRUB as the UEFI El Torito entry, grub.cfg in the ISO; reproducible', async () => {
  const entries = (): FixtureEntry[] => [
    { name: 'boot/kernel', content: Buffer.alloc(300_000, 7) },
    { name: 'boot/cmdline', content: 'console=ttyS0' },
    { name: 'init', content: '#!/bin/sh\n', mode: 0o755 },
    // The image's own files where GRUB's go are replaced by ours.
    { name: 'EFI/BOOT/grub.cfg', content: 'menuentry evil {}' },
  ];
  const dirs = [join(tmp, 'ie1'), join(tmp, 'ie2')];
  for (const dir of dirs) for (const f of ['iso-efi', 'iso-efi-initrd']) await getFormat(f).write(tarStream(entries()), { dir, name: 'x' });
  for (const file of ['x-efi.iso', 'x-efi-initrd.iso'])
    assert.ok(readFileSync(join(dirs[0]!, file)).equals(readFileSync(join(dirs[1]!, file))), `${file}: two builds, the same bytes`);
  const cfgOf = (iso: string) => {
    const to = join(tmp, `${iso.replace(/\W/g, '_')}.cfg`);
    execFileSync('xorriso', ['-indev', iso, '-osirrox', 'on', '-extract', '/EFI/BOOT/grub.cfg', to], { stdio: 'ignore' });
    return readFileSync(to, 'utf8');
  };
  const efi = join(dirs[0]!, 'x-efi.iso');
  const initrd = join(dirs[0]!, 'x-efi-initrd.iso');
  for (const iso of [efi, initrd]) {
    const report = execFileSync('xorriso', ['-indev', iso, '-report_el_torito', 'plain'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.match(report, /El Torito boot img :\s+1\s+UEFI\s+y\s+none/);
    assert.doesNotMatch(report, /BIOS/);
    assert.doesNotMatch(isoListing(iso), /boot\.img|boot\.catalog/, 'the boot image and catalog are hidden');
  }
  assert.equal(cfgOf(efi), "set timeout=0\nset gfxpayload=text\nmenuentry 'LinuxKit ISO Image' {\n\tlinux /boot/kernel console=ttyS0 root=/dev/sr0 text\n}\n");
  assert.equal(
    cfgOf(initrd),
    "set timeout=0\nset gfxpayload=text\nmenuentry 'LinuxKit ISO Image' {\n\tlinux /kernel console=ttyS0 text\n\tinitrd /initrd.img\n}\n",
  );
  assert.deepEqual(
    isoListing(initrd)
      .split('\n')
      .filter(Boolean)
      .map((l) => /'(.*)'$/.exec(l)![1])
      .sort(),
    ['/', '/EFI', '/EFI/BOOT', '/EFI/BOOT/grub.cfg', '/initrd.img', '/kernel'],
  );
});

test('kernel+erofs: kernel, cmdline and an EROFS root (fsck.erofs --extract): owners, modes, links; hostile symlinks reach nothing on the host; reproducible', async () => {
  const outside = join(tmp, 'erofs-outside');
  mkdirSync(outside);
  const entries = (): FixtureEntry[] => [
    { name: 'boot/kernel', content: 'KERNEL' },
    { name: 'boot/cmdline', content: 'console=ttyS0' },
    { name: 'boot/other', content: 'left out' },
    { name: 'etc/shadow', content: 'secret', mode: 0o600, uid: 0, gid: 42 },
    { name: 'home/user/file', content: 'mine', uid: 1000, gid: 1000 },
    { name: 'bin/busybox', content: 'BB', mode: 0o755 },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
    { name: 'escape', type: 'symlink', linkname: outside },
    { name: 'escape/planted', content: 'PLANTED' },
  ];
  const dirs = [join(tmp, 'er1'), join(tmp, 'er2')];
  for (const dir of dirs) await getFormat('kernel+erofs').write(tarStream(entries()), { dir, name: 'k' });
  assert.deepEqual(readdirSync(dirs[0]!).sort(), ['k-cmdline', 'k-erofs.img', 'k-kernel']);
  assert.ok(readFileSync(join(dirs[0]!, 'k-erofs.img')).equals(readFileSync(join(dirs[1]!, 'k-erofs.img'))), 'two builds, the same bytes');
  assert.equal(readFileSync(join(dirs[0]!, 'k-kernel'), 'utf8'), 'KERNEL');
  assert.equal(readFileSync(join(dirs[0]!, 'k-cmdline'), 'utf8'), 'console=ttyS0');
  assert.deepEqual(readdirSync(outside), [], "nothing written through the image's symlinks");
  const x = join(tmp, 'erofs-x');
  execFileSync('fsck.erofs', [`--extract=${x}`, join(dirs[0]!, 'k-erofs.img')], { stdio: 'ignore' });
  const ls = execFileSync('find', [x, '-printf', '%P %m %U:%G %n %y %l\n'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
  assert.ok(ls.includes('etc/shadow 600 0:42 1 f '), ls.join('\n'));
  assert.ok(ls.includes('home/user/file 644 1000:1000 1 f '));
  const inode = (path: string) =>
    /NID: (\d+)\s+Links: (\d+)/.exec(execFileSync('dump.erofs', [`--path=${path}`, join(dirs[0]!, 'k-erofs.img')], { encoding: 'utf8' }))!.slice(1);
  assert.deepEqual(inode('/bin/sh'), inode('/bin/busybox'), 'the hard link is one inode');
  assert.equal(inode('/bin/sh')[1], '2');
  assert.ok(ls.includes(`escape 777 0:0 1 l ${outside}`));
  // Through the symlink with chroot semantics: the target is taken inside the image's root.
  assert.ok(ls.includes(`${outside.slice(1)}/planted 644 0:0 1 f `), 'an entry under a symlink stays inside the image');
  assert.ok(!ls.some((l) => l.startsWith('boot/kernel') || l.startsWith('boot/other')), 'boot/* is not in the root');
});
