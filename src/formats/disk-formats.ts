// The disk formats: each a raw disk booting a kernel and initrd, in some container. BIOS ones
// are the raw-bios disk (raw-bios.ts: MBR, SYSLINUX on a FAT partition):
// - raw-bios: NAME-bios.img, the disk sized to its content (lk:tools/mkimage-raw-bios);
// - aws (NAME.raw) and qcow2-bios (NAME.qcow2): a disk of --size, 1024 MiB by default, whose
//   partition fills it (lk:moby/build/linuxkit.go outputLinuxKit, pkg/mkimage);
// - vhd (fixed, 1 GiB), dynamic-vhd (25 GiB), vmdk (streamOptimized, 1 GiB) and gcp (NAME.img.tar.gz
//   holding disk.raw, 1 GiB): LinuxKit's sizes (lk:tools/mkimage-vhd, -dynamic-vhd, -vmdk, -gcp),
//   or --size when it is given.
// EFI ones are the GPT disk of raw-efi.ts (GRUB on an EFI System Partition), sized to its content:
// - raw-efi: NAME-efi.img; qcow2-efi: NAME-efi.qcow2 (lk:tools/mkimage-qcow2-efi).
// Each makes its raw disk in a staging directory of ours and converts it there (qemu-img, or the
// GCE tarball); all or nothing, as every format.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AtomicOutputs } from './atomic.js';
import { sourceDateEpoch } from './defaults.js';
import { convertDisk, type DiskImageKind } from './disk-convert.js';
import { writeGcpTarball } from './gcp-tarball.js';
import { TOOLS, type HostTool } from './host-tools.js';
import { writeBiosDisk, type FixedDisk } from './raw-bios.js';
import { writeEfiDisk } from './raw-efi.js';
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

/** How a disk boots: the raw disk it is made from, and the tools that makes it needs. */
interface Boot {
  tools: readonly HostTool[];
  write(boot: StagedBoot, out: string, stage: string, epoch: number, fixed?: FixedDisk): Promise<void>;
}

const BIOS: Boot = { tools: [TOOLS.mkfsVfat, TOOLS.mmd, TOOLS.mcopy, TOOLS.syslinux, TOOLS.altMbr], write: writeBiosDisk };
const EFI: Boot = { tools: [TOOLS.mkfsVfat, TOOLS.mmd, TOOLS.mcopy, TOOLS.grubMkimage, TOOLS.grubEfiModules], write: writeEfiDisk };

interface DiskDecl {
  name: string;
  boot: Boot;
  description: string;
  /** The output is NAME + suffix. */
  suffix: string;
  /** LinuxKit's size in MiB for a fixed-size format (the partition fills the disk); --size overrides it. */
  defaultMB?: number;
  /** Absent: the raw disk is the output. */
  container?: Container;
}

function diskFormat(d: DiskDecl): OutputFormat {
  return {
    name: d.name,
    description: d.description,
    streamable: false,
    hostTools: [...d.boot.tools, ...(d.container?.tools ?? [])],
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
          await d.boot.write(boot, raw, stage, epoch, fixed);
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

export const rawBios = diskFormat({
  boot: BIOS,
  name: 'raw-bios',
  description: 'a BIOS-bootable raw disk image (MBR, SYSLINUX on a FAT partition, kernel+initrd)',
  suffix: '-bios.img',
});

export const aws = diskFormat({
  boot: BIOS,
  name: 'aws',
  description: 'a BIOS-bootable raw disk image of --size for AWS (as raw-bios, the partition filling the disk)',
  suffix: '.raw',
  defaultMB: ONE_GIB,
});

export const qcow2Bios = diskFormat({
  boot: BIOS,
  name: 'qcow2-bios',
  description: 'a BIOS-bootable qcow2 disk image of --size (the raw-bios disk, the partition filling it)',
  suffix: '.qcow2',
  defaultMB: ONE_GIB,
  container: qemuImage('qcow2'),
});

export const vhd = diskFormat({
  boot: BIOS,
  name: 'vhd',
  description: 'a BIOS-bootable fixed-size VHD disk image (Hyper-V, Azure), 1 GiB',
  suffix: '.vhd',
  defaultMB: ONE_GIB,
  container: qemuImage('vhd-fixed'),
});

export const dynamicVhd = diskFormat({
  boot: BIOS,
  name: 'dynamic-vhd',
  description: 'a BIOS-bootable dynamically sized VHD disk image, 25 GiB',
  suffix: '.vhd',
  defaultMB: 25 * ONE_GIB,
  container: qemuImage('vhd-dynamic'),
});

export const vmdk = diskFormat({
  boot: BIOS,
  name: 'vmdk',
  description: 'a BIOS-bootable VMDK disk image (VMware, streamOptimized), 1 GiB',
  suffix: '.vmdk',
  defaultMB: ONE_GIB,
  container: qemuImage('vmdk'),
});

export const gcp = diskFormat({
  boot: BIOS,
  name: 'gcp',
  description: 'a disk image for Google Compute Engine: NAME.img.tar.gz holding disk.raw, 1 GiB',
  suffix: '.img.tar.gz',
  defaultMB: ONE_GIB,
  container: gcpTarball,
});

export const rawEfi = diskFormat({
  boot: EFI,
  name: 'raw-efi',
  description: 'an EFI-bootable raw disk image (GPT, GRUB on an EFI System Partition, kernel+initrd)',
  suffix: '-efi.img',
});

export const qcow2Efi = diskFormat({
  boot: EFI,
  name: 'qcow2-efi',
  description: 'an EFI-bootable qcow2 disk image (the raw-efi disk)',
  suffix: '-efi.qcow2',
  container: qemuImage('qcow2'),
});
