// A FAT file system made with dosfstools and mtools from files of ours (a staging directory:
// never a path from the image), as LinuxKit's mkimage tools make their boot partitions; in an
// image file of its own, or in place in a disk image at a partition's offset (no copy of a
// partition that may be gigabytes of zeros). Reproducible: mkfs.vfat --invariant with a volume id the caller derives from the
// content, every file's time set to the epoch and kept by `mcopy -m`, directories stamped with
// SOURCE_DATE_EPOCH by mtools.
import { open, utimes } from 'node:fs/promises';
import { runTool, TOOLS } from './host-tools.js';
import { UserError } from '../util/index.js';

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
  /** Where the file system starts in `image` (an existing disk image), in bytes; absent: `image` is created holding only it. */
  offset?: number;
}

/** The environment of mtools and syslinux: no geometry checks, times from the epoch. */
export function mtoolsEnv(epoch: number): NodeJS.ProcessEnv {
  return { ...process.env, MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: String(epoch), TZ: 'UTC' };
}

/** How mtools names a file system in `image` at `offset` bytes. */
function mtoolsImage(image: string, offset = 0): string {
  if (!offset) return image;
  // mtools reads IMAGE@@OFFSET; a path of ours with "@@" in it would be read wrongly.
  if (image.includes('@@')) throw new UserError(`cannot make a disk image at ${image}: mtools cannot name a path containing "@@"`);
  return `${image}@@${offset}`;
}

/** Makes the file system holding `files` (parent directories made as needed). */
export async function makeFat(image: string, files: FatFile[], o: FatOptions): Promise<void> {
  const env = mtoolsEnv(o.epoch);
  const volid = (o.volumeId >>> 0).toString(16).padStart(8, '0');
  const where = o.offset ? ['--offset', String(o.offset / 512), image] : ['-C', image];
  await runTool(TOOLS.mkfsVfat, ['--invariant', '-i', volid, ...(o.fatBits ? ['-F', String(o.fatBits)] : []), ...where, String(o.sizeKB)], { env });
  const fs = mtoolsImage(image, o.offset);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.dest.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) await runTool(TOOLS.mmd, ['-i', fs, `::/${d}`], { env });
  for (const f of files) {
    await utimes(f.path, o.epoch, o.epoch);
    await runTool(TOOLS.mcopy, ['-m', '-i', fs, f.path, `::/${f.dest}`], { env });
  }
}

/** Rounds bytes up to whole MiB, in KiB (LinuxKit aligns partitions to 2048 sectors). */
export function roundUpMiBinKB(bytes: number): number {
  return Math.ceil(Math.ceil(bytes / 1024) / 1024) * 1024;
}

/** A time as FAT stores it: [time, date] in DOS format (2-second resolution, years from 1980). */
function dosTime(epoch: number): [number, number] {
  const d = new Date(Math.max(epoch, 315532800) * 1000);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return [time, date];
}

/** Where the root directory is in a FAT image and how many bytes of it to rewrite. */
function rootDirectory(boot: Buffer): { at: number; length: number } {
  const bytesPerSector = boot.readUInt16LE(11);
  const reserved = boot.readUInt16LE(14);
  const fats = boot[16]!;
  const rootEntries = boot.readUInt16LE(17);
  const fatSectors = boot.readUInt16LE(22);
  if (rootEntries !== 0 && fatSectors !== 0) {
    // FAT12/16: a fixed area after the FATs.
    return { at: (reserved + fats * fatSectors) * bytesPerSector, length: rootEntries * 32 };
  }
  // FAT32: a cluster chain starting at the BPB's root cluster. A new file system's root (a boot
  // loader's few files) fits in its first cluster, the only one rewritten.
  const sectorsPerCluster = boot[13]!;
  const dataStart = reserved + fats * boot.readUInt32LE(36);
  const cluster = boot.readUInt32LE(44);
  return { at: (dataStart + (cluster - 2) * sectorsPerCluster) * bytesPerSector, length: sectorsPerCluster * bytesPerSector };
}

/**
 * Sets every time of the root directory's entries to the epoch. `syslinux --install` writes
 * ldlinux.sys and ldlinux.c32 with the current time (mtools 4.0.32 does not read
 * SOURCE_DATE_EPOCH).
 */
export async function clampRootTimes(image: string, epoch: number, offset = 0): Promise<void> {
  const fh = await open(image, 'r+');
  try {
    const boot = Buffer.alloc(512);
    await fh.read(boot, 0, 512, offset);
    const root = rootDirectory(boot);
    const at = offset + root.at;
    const length = root.length;
    const dir = Buffer.alloc(length);
    await fh.read(dir, 0, dir.length, at);
    const [time, date] = dosTime(epoch);
    for (let e = 0; e < dir.length && dir[e] !== 0; e += 32) {
      if (dir[e] === 0xe5 || dir[e + 11] === 0x0f) continue; // deleted, long-name part
      dir[e + 13] = 0;
      dir.writeUInt16LE(time, e + 14);
      dir.writeUInt16LE(date, e + 16);
      dir.writeUInt16LE(date, e + 18);
      dir.writeUInt16LE(time, e + 22);
      dir.writeUInt16LE(date, e + 24);
    }
    await fh.write(dir, 0, dir.length, at);
  } finally {
    await fh.close();
  }
}
