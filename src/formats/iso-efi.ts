// The EFI-bootable ISO formats, as LinuxKit's (lk:tools/mkimage-iso-efi/make-efi,
// tools/mkimage-iso-efi-initrd/make-efi-initrd): GRUB (raw-efi.ts's BOOTX64.EFI) alone in a
// small FAT image that is the El Torito EFI boot entry (/boot.img, hidden), reading
// /EFI/BOOT/grub.cfg from the ISO:
// - iso-efi: NAME-efi.iso, the root filesystem with boot/kernel (as iso-bios), booted with
//   `linux /boot/kernel CMDLINE text`, root=/dev/sr0 added when the cmdline names no root;
// - iso-efi-initrd: NAME-efi-initrd.iso holding only kernel, initrd.img and GRUB's files.
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AtomicOutputs } from './atomic.js';
import { sourceDateEpoch } from './defaults.js';
import { makeFat } from './fat.js';
import { TOOLS } from './host-tools.js';
import { cdromCmdline, stageTree } from './iso-formats.js';
import { IsoTree } from './iso-tree.js';
import { writeIso } from './iso.js';
import { grubConfig, makeGrubEfi } from './raw-efi.js';
import { stageBoot } from './staged-boot.js';
import { readRecords, type TarRecord } from '../tar/index.js';
import type { FormatOptions, OutputFormat, OutputTarget } from './types.js';
import { UserError } from '../util/index.js';

/** Where the EFI boot image sits in the ISO (hidden from its file tree), as LinuxKit's. */
const EFI_IMAGE = '/boot.img';

/** The boot image's FAT volume id: it holds only GRUB, the same for every image. */
const EFI_IMAGE_VOLUME_ID = 0x4c4b4546;

/** Adds GRUB's boot image and grub.cfg (with `config`) to `tree`. */
async function addGrub(tree: IsoTree, config: string, epoch: number): Promise<void> {
  const grub = tree.stagePath();
  await makeGrubEfi(grub);
  // LinuxKit's size: the EFI binary in KiB plus 511, rounded down to a multiple of 32.
  const sizeKB = Math.floor((Math.floor((await stat(grub)).size / 1024) + 511) / 32) * 32;
  const fat = tree.stagePath();
  await makeFat(fat, [{ dest: 'EFI/BOOT/BOOTX64.EFI', path: grub }], { sizeKB, volumeId: EFI_IMAGE_VOLUME_ID, epoch });
  await tree.addHostFile(EFI_IMAGE, fat, 0o644, epoch);
  const cfg = tree.stagePath();
  await writeFile(cfg, config);
  await tree.addHostFile('/EFI/BOOT/grub.cfg', cfg, 0o644, epoch);
}

const EFI_TOOLS = [TOOLS.xorriso, TOOLS.grubMkimage, TOOLS.grubEfiModules, TOOLS.mkfsVfat, TOOLS.mmd, TOOLS.mcopy];

export const isoEfi: OutputFormat = {
  name: 'iso-efi',
  description: 'an EFI-bootable ISO (GRUB) holding the root filesystem, root=/dev/sr0',
  streamable: false,
  hostTools: EFI_TOOLS,
  files: (name) => [`${name}-efi.iso`],

  write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return this.writeEntries!(readRecords(input), target, options);
  },

  writeEntries(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return AtomicOutputs.run(async (out) => {
      const iso = await out.temp(join(target.dir, `${target.name}-efi.iso`));
      const epoch = sourceDateEpoch(options.sourceDateEpoch);
      const stage = `${iso}.stage`;
      try {
        const pass = await stageTree(entries, stage, epoch);
        if (!pass.hasKernel)
          throw new UserError(`${target.name}-efi.iso: the image has no boot/kernel (no kernel: section?); an iso-efi cannot boot without one`);
        await addGrub(pass.tree, grubConfig('/boot/kernel', cdromCmdline(pass.cmdline ?? '')), epoch);
        await writeIso(pass.tree, iso, stage, epoch, { efiImage: EFI_IMAGE });
      } finally {
        await rm(stage, { recursive: true, force: true });
      }
    });
  },
};

export const isoEfiInitrd: OutputFormat = {
  name: 'iso-efi-initrd',
  description: 'an EFI-bootable ISO (GRUB) holding kernel and initrd',
  streamable: false,
  hostTools: EFI_TOOLS,
  files: (name) => [`${name}-efi-initrd.iso`],

  write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return this.writeEntries!(readRecords(input), target, options);
  },

  writeEntries(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return AtomicOutputs.run(async (out) => {
      const iso = await out.temp(join(target.dir, `${target.name}-efi-initrd.iso`));
      const epoch = sourceDateEpoch(options.sourceDateEpoch);
      const stage = `${iso}.stage`;
      try {
        const boot = await stageBoot(entries, join(stage, 'boot'), 'iso-efi-initrd', options);
        await mkdir(join(stage, 'tree'));
        const tree = new IsoTree(join(stage, 'tree'), epoch);
        await tree.addHostFile('/kernel', boot.kernel, 0o644, epoch);
        await tree.addHostFile('/initrd.img', boot.initrd, 0o644, epoch);
        await addGrub(tree, grubConfig('/kernel', boot.cmdline, '/initrd.img'), epoch);
        await writeIso(tree, iso, stage, epoch, { efiImage: EFI_IMAGE });
      } finally {
        await rm(stage, { recursive: true, force: true });
      }
    });
  },
};
