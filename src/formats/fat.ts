// A FAT file system image made with dosfstools and mtools from files of ours (a staging
// directory: never a path from the image), as LinuxKit's mkimage tools make their boot
// partitions. Reproducible: mkfs.vfat --invariant with a volume id the caller derives from the
// content, every file's time set to the epoch and kept by `mcopy -m`, directories stamped with
// SOURCE_DATE_EPOCH by mtools.
import { utimes } from 'node:fs/promises';
import { runTool, TOOLS } from './host-tools.js';

export interface FatFile {
  /** Path inside the file system, e.g. EFI/BOOT/BOOTX64.EFI. */
  dest: string;
  /** Our staging file. */
  path: string;
}

export interface FatOptions {
  sizeKB: number;
  /** 32-bit volume id (serial number). */
  volumeId: number;
  /** 12, 16 or 32; mkfs.vfat chooses when absent (as LinuxKit's raw-bios and iso-efi leave it). */
  fatBits?: number;
  epoch: number;
}

/** Makes `image` holding `files` (parent directories made as needed). */
export async function makeFat(image: string, files: FatFile[], o: FatOptions): Promise<void> {
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: String(o.epoch), TZ: 'UTC' };
  const volid = (o.volumeId >>> 0).toString(16).padStart(8, '0');
  await runTool(TOOLS.mkfsVfat, ['--invariant', '-i', volid, ...(o.fatBits ? ['-F', String(o.fatBits)] : []), '-C', image, String(o.sizeKB)], { env });
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.dest.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) await runTool(TOOLS.mmd, ['-i', image, `::/${d}`], { env });
  for (const f of files) {
    await utimes(f.path, o.epoch, o.epoch);
    await runTool(TOOLS.mcopy, ['-m', '-i', image, f.path, `::/${f.dest}`], { env });
  }
}

/** Rounds bytes up to whole MiB, in KiB (LinuxKit aligns partitions to 2048 sectors). */
export function roundUpMiBinKB(bytes: number): number {
  return Math.ceil(Math.ceil(bytes / 1024) / 1024) * 1024;
}
