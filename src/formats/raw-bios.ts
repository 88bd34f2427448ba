// The BIOS-bootable raw disk of raw-bios (lk:tools/mkimage-raw-bios/make-bios), which the
// fixed-size disk formats (disk-formats.ts) also start from: one bootable MBR partition at 1 MiB
// holding a FAT file system with kernel, initrd.img and syslinux.cfg, and SYSLINUX installed in
// it; the MBR boot code is syslinux's altmbr.bin set to boot partition 1. Sizes as LinuxKit's
// raw-bios: the partition is kernel + initrd + 1 MiB headroom rounded up to a MiB, the disk that
// plus 4 MiB, rounded down to a MiB; or a fixed size that the partition fills. Ids derived from
// the content.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clampRootTimes, makeFat, mtoolsEnv, roundUpMiBinKB } from './fat.js';
import { runTool, TOOLS } from './host-tools.js';
import { mbr } from './mbr.js';
import { MiB, PARTITION_START, writeDisk } from './raw-disk.js';
import type { StagedBoot } from './staged-boot.js';
import { UserError } from '../util/index.js';

/** LinuxKit's syslinux.cfg (make-bios). */
export function syslinuxConfig(cmdline: string): string {
  return `DEFAULT linux\nLABEL linux\n    KERNEL /kernel\n    INITRD /initrd.img\n    APPEND ${cmdline}\n`;
}

/** The partition type sfdisk gives `,SIZE,;` (Linux), as in LinuxKit's disk. */
const LINUX_PARTITION = 0x83;

/**
 * A disk of a fixed size whose one partition fills it, as LinuxKit's fixed-size disks
 * (lk:pkg/mkimage/mkimage.sh `sfdisk ";"`, virt-make-fs --partition): `format` names the output
 * in the error when the kernel and initrd do not fit.
 */
export interface FixedDisk {
  sizeMB: number;
  format: string;
}

/** Writes the raw BIOS disk of `boot` to `out`; `stage` is ours for temporary files. */
export async function writeBiosDisk(boot: StagedBoot, out: string, stage: string, epoch: number, fixed?: FixedDisk): Promise<void> {
  const cfg = join(stage, 'syslinux.cfg');
  await writeFile(cfg, syslinuxConfig(boot.cmdline));
  const neededKB = roundUpMiBinKB((await stat(boot.kernel)).size + (await stat(boot.initrd)).size + MiB);
  // The partition starts at 1 MiB: a fixed disk must hold that and the partition's content.
  const neededMB = neededKB / 1024 + 1;
  if (fixed && fixed.sizeMB < neededMB) {
    throw new UserError(
      `format ${fixed.format}: a disk of ${fixed.sizeMB} MiB is too small for the kernel and initrd; it needs at least ${neededMB} MiB (--size ${neededMB}M)`,
    );
  }
  const espKB = fixed ? (fixed.sizeMB - 1) * 1024 : neededKB;
  // altmbr.bin's first 439 bytes, then the number of the partition it boots.
  const code = Buffer.concat([(await readFile(TOOLS.altMbr.name)).subarray(0, 439), Buffer.from([1])]);
  const sectors = (espKB * 1024) / 512;
  const first = mbr(code, boot.digest.readUInt32LE(4), [{ start: PARTITION_START, sectors, type: LINUX_PARTITION, bootable: true }]);
  const size = fixed ? fixed.sizeMB * MiB : Math.floor((espKB * 1024 + 4 * MiB) / MiB) * MiB;
  await writeDisk(out, { size, head: [{ at: 0, data: first }] });
  const offset = PARTITION_START * 512;
  await makeFat(
    out,
    [
      { dest: 'syslinux.cfg', path: cfg },
      { dest: 'kernel', path: boot.kernel },
      { dest: 'initrd.img', path: boot.initrd },
    ],
    { sizeKB: espKB, volumeId: boot.digest.readUInt32LE(0), epoch, offset },
  );
  await runTool(TOOLS.syslinux, ['--offset', String(offset), '--install', out], { env: mtoolsEnv(epoch) });
  await clampRootTimes(out, epoch, offset);
}
