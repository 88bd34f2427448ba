// The BIOS-bootable disk formats, each the raw-bios disk (raw-bios.ts: MBR, SYSLINUX on a FAT
// partition, kernel and initrd) in another container:
// - raw-bios: NAME-bios.img, the disk sized to its content (lk:tools/mkimage-raw-bios);
// - aws (NAME.raw) and qcow2-bios (NAME.qcow2): a disk of --size, 1024 MiB by default, whose
//   partition fills it (lk:moby/build/linuxkit.go outputLinuxKit, pkg/mkimage);
// - vhd (fixed, 1 GiB), dynamic-vhd (25 GiB), vmdk (streamOptimized, 1 GiB) and gcp (NAME.img.tar.gz
//   holding disk.raw, 1 GiB): LinuxKit's sizes (lk:tools/mkimage-vhd, -dynamic-vhd, -vmdk, -gcp),
//   or --size when it is given.
// Each makes its raw disk in a staging directory of ours and converts it there (qemu-img, or the
// GCE tarball); all or nothing, as every format.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AtomicOutputs } from './atomic.js';
import { sourceDateEpoch } from './defaults.js';
import { convertDisk, type DiskImageKind } from './disk-images.js';
import { writeGcpTarball } from './gcp-tarball.js';
import { TOOLS, type HostTool } from './host-tools.js';
import { writeBiosDisk } from './raw-bios.js';
import { stageBoot, type StagedBoot } from './staged-boot.js';
import { readRecords, type TarRecord } from '../tar/index.js';
import type { FormatOptions, OutputFormat, OutputTarget } from './types.js';

/** How a disk format turns the staged raw disk into its output. */
interface Container {
  tools: readonly HostTool[];
  write(raw: string, out: string, c: { stage: string; boot: StagedBoot; epoch: number; options: FormatOptions }): Promise<void>;
}

const qemuImage = (kind: DiskImageKind): Container => ({
  tools: [TOOLS.qemuImg],
  write: (raw, out, c) => convertDisk(raw, out, kind, c.stage, c.boot.digest, c.epoch),
});

const gcpTarball: Container = {
  tools: [],
  write: (raw, out, c) => writeGcpTarball(raw, out, c.epoch, c.options.level),
};

interface BiosDiskDecl {
  name: string;
  description: string;
  /** The output is NAME + suffix. */
  suffix: string;
  /** LinuxKit's size in MiB for a fixed-size format (the partition fills the disk); --size overrides it. */
  defaultMB?: number;
  /** Absent: the raw disk is the output. */
  container?: Container;
}

/** The tools every BIOS disk needs to be made. */
const BIOS_DISK_TOOLS = [TOOLS.mkfsVfat, TOOLS.mmd, TOOLS.mcopy, TOOLS.syslinux, TOOLS.altMbr];

function biosDiskFormat(d: BiosDiskDecl): OutputFormat {
  return {
    name: d.name,
    description: d.description,
    streamable: false,
    hostTools: [...BIOS_DISK_TOOLS, ...(d.container?.tools ?? [])],
    files: (name) => [`${name}${d.suffix}`],

    write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
      return this.writeEntries!(readRecords(input), target, options);
    },

    writeEntries(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
      return AtomicOutputs.run(async (out) => {
        const dest = await out.temp(join(target.dir, `${target.name}${d.suffix}`));
        const stage = `${dest}.stage`;
        try {
          const boot = await stageBoot(entries, stage, d.name, options);
          const epoch = sourceDateEpoch(options.sourceDateEpoch);
          const raw = d.container ? join(stage, 'disk.raw') : dest;
          const fixed = d.defaultMB === undefined ? undefined : { sizeMB: options.sizeMB ?? d.defaultMB, format: d.name };
          await writeBiosDisk(boot, raw, stage, epoch, fixed);
          await d.container?.write(raw, dest, { stage, boot, epoch, options });
        } finally {
          await rm(stage, { recursive: true, force: true });
        }
      });
    },
  };
}

/** LinuxKit's default --size, and the size of its vhd, vmdk and gcp disks. */
const ONE_GIB = 1024;

export const rawBios = biosDiskFormat({
  name: 'raw-bios',
  description: 'a BIOS-bootable raw disk image (MBR, SYSLINUX on a FAT partition, kernel+initrd)',
  suffix: '-bios.img',
});

export const aws = biosDiskFormat({
  name: 'aws',
  description: 'a BIOS-bootable raw disk image of --size for AWS (as raw-bios, the partition filling the disk)',
  suffix: '.raw',
  defaultMB: ONE_GIB,
});

export const qcow2Bios = biosDiskFormat({
  name: 'qcow2-bios',
  description: 'a BIOS-bootable qcow2 disk image of --size (the raw-bios disk, the partition filling it)',
  suffix: '.qcow2',
  defaultMB: ONE_GIB,
  container: qemuImage('qcow2'),
});

export const vhd = biosDiskFormat({
  name: 'vhd',
  description: 'a BIOS-bootable fixed-size VHD disk image (Hyper-V, Azure), 1 GiB',
  suffix: '.vhd',
  defaultMB: ONE_GIB,
  container: qemuImage('vhd-fixed'),
});

export const dynamicVhd = biosDiskFormat({
  name: 'dynamic-vhd',
  description: 'a BIOS-bootable dynamically sized VHD disk image, 25 GiB',
  suffix: '.vhd',
  defaultMB: 25 * ONE_GIB,
  container: qemuImage('vhd-dynamic'),
});

export const vmdk = biosDiskFormat({
  name: 'vmdk',
  description: 'a BIOS-bootable VMDK disk image (VMware, streamOptimized), 1 GiB',
  suffix: '.vmdk',
  defaultMB: ONE_GIB,
  container: qemuImage('vmdk'),
});

export const gcp = biosDiskFormat({
  name: 'gcp',
  description: 'a disk image for Google Compute Engine: NAME.img.tar.gz holding disk.raw, 1 GiB',
  suffix: '.img.tar.gz',
  defaultMB: ONE_GIB,
  container: gcpTarball,
});
