// raw-bios (lk:tools/mkimage-raw-bios/make-bios): NAME-bios.img, a disk with one bootable MBR
// partition at 1 MiB holding a FAT file system with kernel, initrd.img and syslinux.cfg, and
// SYSLINUX installed in it; the MBR boot code is syslinux's altmbr.bin set to boot partition 1.
// Sizes as LinuxKit: the partition is kernel + initrd + 1 MiB headroom rounded up to a MiB,
// the disk that plus 4 MiB, rounded down to a MiB. Ids derived from the content.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { writeFile, stat } from 'node:fs/promises';
import { AtomicOutputs } from './atomic.js';
import { sourceDateEpoch } from './defaults.js';
import { clampRootTimes, makeFat, roundUpMiBinKB } from './fat.js';
import { runTool, TOOLS } from './host-tools.js';
import { mbr } from './mbr.js';
import { MiB, PARTITION_START, writeDisk } from './raw-disk.js';
import { stageBoot, type StagedBoot } from './staged-boot.js';
import { readRecords, type TarRecord } from '../tar/index.js';
import type { FormatOptions, OutputFormat, OutputTarget } from './types.js';

/** LinuxKit's syslinux.cfg (make-bios). */
export function syslinuxConfig(cmdline: string): string {
  return `DEFAULT linux\nLABEL linux\n    KERNEL /kernel\n    INITRD /initrd.img\n    APPEND ${cmdline}\n`;
}

/** The partition type sfdisk gives `,SIZE,;` (Linux), as in LinuxKit's disk. */
const LINUX_PARTITION = 0x83;

/** Writes the raw BIOS disk of `boot` to `out`; `stage` is ours for temporary files. */
export async function writeBiosDisk(boot: StagedBoot, out: string, stage: string, epoch: number): Promise<void> {
  const cfg = join(stage, 'syslinux.cfg');
  await writeFile(cfg, syslinuxConfig(boot.cmdline));
  const espKB = roundUpMiBinKB((await stat(boot.kernel)).size + (await stat(boot.initrd)).size + MiB);
  const esp = join(stage, 'boot.img');
  await makeFat(esp, [
    { dest: 'syslinux.cfg', path: cfg },
    { dest: 'kernel', path: boot.kernel },
    { dest: 'initrd.img', path: boot.initrd },
  ], { sizeKB: espKB, volumeId: boot.digest.readUInt32LE(0), epoch });
  await runTool(TOOLS.syslinux, ['--install', esp], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1', SOURCE_DATE_EPOCH: String(epoch) } });
  await clampRootTimes(esp, epoch);
  // altmbr.bin's first 439 bytes, then the number of the partition it boots.
  const code = Buffer.concat([(await readFile(TOOLS.altMbr.name)).subarray(0, 439), Buffer.from([1])]);
  const sectors = (espKB * 1024) / 512;
  const first = mbr(code, boot.digest.readUInt32LE(4), [{ start: PARTITION_START, sectors, type: LINUX_PARTITION, bootable: true }]);
  const size = Math.floor((espKB * 1024 + 4 * MiB) / MiB) * MiB;
  await writeDisk(out, { size, head: [{ at: 0, data: first }], partition: esp });
}

export const rawBios: OutputFormat = {
  name: 'raw-bios',
  description: 'a BIOS-bootable raw disk image (MBR, SYSLINUX on a FAT partition, kernel+initrd)',
  streamable: false,
  hostTools: [TOOLS.mkfsVfat, TOOLS.mmd, TOOLS.mcopy, TOOLS.syslinux, TOOLS.altMbr],
  files: (name) => [`${name}-bios.img`],

  write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return this.writeEntries!(readRecords(input), target, options);
  },

  writeEntries(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return AtomicOutputs.run(async (out) => {
      const img = await out.temp(join(target.dir, `${target.name}-bios.img`));
      const stage = `${img}.stage`;
      try {
        const boot = await stageBoot(entries, stage, 'raw-bios', options);
        await writeBiosDisk(boot, img, stage, sourceDateEpoch(options.sourceDateEpoch));
      } finally {
        await rm(stage, { recursive: true, force: true });
      }
    });
  },
};
