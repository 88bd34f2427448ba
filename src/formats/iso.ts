// Writing an ISO 9660 image (Rock Ridge) with xorriso from an IsoTree, optionally bootable:
// BIOS through ISOLINUX (El Torito, no emulation, boot info table, and the isohybrid MBR so a
// USB stick boots too, as LinuxKit's `isohybrid` run does), EFI through a FAT boot image as
// the El Torito EFI entry (LinuxKit's `-e boot.img -no-emul-boot`). Reproducible: xorriso
// takes SOURCE_DATE_EPOCH for the volume dates, the volume UUID and the times of nodes it
// makes itself; every other time is the image's own.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IsoTree } from './iso-tree.js';
import { runTool, TOOLS } from './host-tools.js';

/** LinuxKit's volume id (`genisoimage -V LinuxKit`). */
export const ISO_VOLUME_ID = 'LinuxKit';

export interface IsoBoot {
  /** ISO path of the ISOLINUX directory holding isolinux.bin (BIOS boot, hybrid MBR). */
  isolinuxDir?: string;
  /** ISO path of a FAT image to boot with EFI (hidden from the file tree). */
  efiImage?: string;
}

/** Writes the ISO of `tree` to `out`; `stageDir` holds the command file. */
export async function writeIso(tree: IsoTree, out: string, stageDir: string, epoch: number, boot: IsoBoot = {}): Promise<void> {
  const commands = join(stageDir, 'xorriso-commands');
  await writeFile(commands, tree.commands());
  const bootArgs: string[] = [];
  if (boot.isolinuxDir) {
    // dir= sets bin_path DIR/isolinux.bin, cat_path DIR/boot.cat, load_size 2048 and the boot
    // info table: genisoimage's -b -c -no-emul-boot -boot-load-size 4 -boot-info-table.
    bootArgs.push('-boot_image', 'isolinux', `dir=${boot.isolinuxDir}`);
    bootArgs.push('-boot_image', 'isolinux', `system_area=${TOOLS.isohybridMbr.name}`, '-boot_image', 'isolinux', 'partition_table=on');
  }
  if (boot.efiImage) {
    if (boot.isolinuxDir) bootArgs.push('-boot_image', 'any', 'next');
    else bootArgs.push('-boot_image', 'any', 'cat_path=/boot.catalog', '-boot_image', 'any', 'cat_hidden=on');
    bootArgs.push('-boot_image', 'any', `efi_path=${boot.efiImage}`, '-boot_image', 'any', 'platform_id=0xef', '-hide', 'on', boot.efiImage, '--');
  }
  const args = [
    '-no_rc',
    '-backslash_codes',
    'in_double_quotes',
    '-abort_on',
    'FAILURE',
    '-return_with',
    'FAILURE',
    '32',
    '-report_about',
    'FAILURE',
    '-disk_pattern',
    'off',
    '-iso_rr_pattern',
    'off',
    '-outdev',
    `stdio:${out}`,
    '-volid',
    ISO_VOLUME_ID,
    '-rockridge',
    'on',
    // ISO 9660 records carry each file's mtime, not the time the image is made.
    '-compliance',
    'rec_mtime:always_gmt',
    '-joliet',
    'off',
    '-hardlinks',
    'off',
    '-acl',
    'off',
    '-xattr',
    'off',
    '-overwrite',
    'on',
    '-options_from_file',
    commands,
    ...bootArgs,
    '-commit',
    '-end',
  ];
  await runTool(TOOLS.xorriso, args, { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
}
