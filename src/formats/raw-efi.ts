// The EFI-bootable raw disk of raw-efi and qcow2-efi, as LinuxKit's qcow2-efi makes it
// (lk:tools/mkimage-qcow2-efi/make-efi): a GPT disk with one EFI System Partition at 1 MiB
// (legacy-BIOS-bootable attribute set, named "EFI System") holding GRUB as EFI/BOOT/BOOTX64.EFI
// (grub-mkimage with LinuxKit's module list and prefix, lk:tools/grub-dev), its grub.cfg, kernel
// and initrd.img. Sizes as LinuxKit: the partition is kernel + initrd + GRUB + 1 MiB rounded up
// to a MiB, the disk that plus 4 MiB rounded down to a MiB, or a fixed size that the partition
// fills up to the backup GPT. GUIDs and the volume id derived from the content.
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeFat, roundUpMiBinKB } from './fat.js';
import { derivedGuid, ESP_TYPE, gpt, LEGACY_BIOS_BOOTABLE } from './gpt.js';
import { runTool, TOOLS } from './host-tools.js';
import type { FixedDisk } from './raw-bios.js';
import { MiB, PARTITION_START, writeDisk } from './raw-disk.js';
import type { StagedBoot } from './staged-boot.js';
import { UserError } from '../util/index.js';

/** LinuxKit's GRUB modules (lk:tools/grub-dev/Dockerfile GRUB_MODULES). */
const GRUB_MODULES = 'part_gpt fat ext2 iso9660 gzio linux acpi normal cpio crypto disk boot crc64 search_fs_uuid tftp xzio xfs video efi_gop'.split(' ');

/** Makes LinuxKit's BOOTX64.EFI (GRUB looking for its grub.cfg in /EFI/BOOT) at `out`. */
export async function makeGrubEfi(out: string): Promise<void> {
  await runTool(TOOLS.grubMkimage, ['-O', 'x86_64-efi', '-d', '/usr/lib/grub/x86_64-efi', '-o', out, '-p', '/EFI/BOOT', ...GRUB_MODULES]);
}

/**
 * A kernel command line as GRUB words: each word that is not plain is single-quoted, so the
 * image's cmdline cannot end the menu entry or run GRUB commands (`;`, `}`, `$`…).
 */
export function grubWords(cmdline: string): string {
  return cmdline
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (/^[A-Za-z0-9_=,./:+@%-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/**
 * LinuxKit's grub.cfg (qcow2-efi, iso-efi, iso-efi-initrd): boots `kernel` with the cmdline and
 * " text", and `initrd` when given.
 */
export function grubConfig(kernel: string, cmdline: string, initrd?: string): string {
  const initrdLine = initrd ? `\tinitrd ${initrd}\n` : '';
  return `set timeout=0\nset gfxpayload=text\nmenuentry 'LinuxKit ISO Image' {\n\tlinux ${kernel} ${grubWords(cmdline)} text\n${initrdLine}}\n`;
}

/** Writes the raw EFI disk of `boot` to `out`; `stage` is ours for temporary files. */
export async function writeEfiDisk(boot: StagedBoot, out: string, stage: string, epoch: number, fixed?: FixedDisk): Promise<void> {
  const grub = join(stage, 'BOOTX64.EFI');
  await makeGrubEfi(grub);
  const cfg = join(stage, 'grub.cfg');
  await writeFile(cfg, grubConfig('/kernel', boot.cmdline, '/initrd.img'));
  const size = async (p: string) => (await stat(p)).size;
  const neededKB = roundUpMiBinKB((await size(boot.kernel)) + (await size(boot.initrd)) + (await size(grub)) + MiB);
  // 1 MiB before the partition, 1 MiB for the backup GPT after it.
  const neededMB = neededKB / 1024 + 2;
  if (fixed && fixed.sizeMB < neededMB) {
    throw new UserError(
      `format ${fixed.format}: a disk of ${fixed.sizeMB} MiB is too small for the kernel and initrd; it needs at least ${neededMB} MiB (--size ${neededMB}M)`,
    );
  }
  const espKB = fixed ? (fixed.sizeMB - 2) * 1024 : neededKB;
  const diskBytes = fixed ? fixed.sizeMB * MiB : Math.floor((espKB * 1024 + 4 * MiB) / MiB) * MiB;
  const end = PARTITION_START + (espKB * 1024) / 512 - 1;
  const table = gpt(diskBytes, derivedGuid(boot.digest, 0), [
    { start: PARTITION_START, end, type: ESP_TYPE, guid: derivedGuid(boot.digest, 16), name: 'EFI System', attributes: LEGACY_BIOS_BOOTABLE },
  ]);
  await writeDisk(out, { size: diskBytes, ...table });
  await makeFat(
    out,
    [
      { dest: 'EFI/BOOT/BOOTX64.EFI', path: grub },
      { dest: 'EFI/BOOT/grub.cfg', path: cfg },
      { dest: 'kernel', path: boot.kernel },
      { dest: 'initrd.img', path: boot.initrd },
    ],
    { sizeKB: espKB, volumeId: boot.digest.readUInt32LE(0), epoch, offset: PARTITION_START * 512 },
  );
}
