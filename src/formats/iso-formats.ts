// The formats whose root filesystem is an ISO 9660 image (no initrd):
// - iso-bios (lk:tools/mkimage-iso-bios/make-iso): NAME.iso holding the whole tree, boot/kernel
//   included, booted by ISOLINUX with `APPEND <cmdline> root=/dev/sr0` (root= added only when the
//   cmdline has none), hybrid so it also boots from a disk;
// - kernel+iso (lk:moby/build/output.go outputKernelISO, tools/mkimage-iso): NAME-kernel,
//   NAME-cmdline and NAME.iso, the tree without boot/ and with no boot loader.
// One pass over the stream: files are staged (iso-tree.ts), the ISO is written by xorriso.
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AtomicOutputs } from './atomic.js';
import { bootPart, saveBody } from './boot.js';
import { sourceDateEpoch } from './defaults.js';
import { TOOLS } from './host-tools.js';
import { IsoTree } from './iso-tree.js';
import { writeIso } from './iso.js';
import { readAll, readRecords, type TarRecord } from '../tar/index.js';
import type { FormatOptions, OutputFormat, OutputTarget } from './types.js';
import { UserError } from '../util/index.js';

/** The kernel command line with LinuxKit's default root= for a CD (when it names none), on one line. */
export function cdromCmdline(cmdline: string, rootDevice = '/dev/sr0'): string {
  const line = cmdline.replace(/\s+/g, ' ').trim();
  return /(^| )root=/.test(line) ? line : `${line} root=${rootDevice}`.trim();
}

/** LinuxKit's isolinux.cfg (make-iso's CFG). */
export function isolinuxConfig(cmdline: string): string {
  return `DEFAULT linux\nLABEL linux\n    KERNEL /boot/kernel\n    APPEND ${cmdline}\n`;
}

export interface Pass {
  tree: IsoTree;
  cmdline?: string;
  hasKernel: boolean;
}

/**
 * Stages the root filesystem of `entries` into an IsoTree. `kernelTo`: a file for boot/kernel
 * (kernel+iso), or undefined to keep boot/ in the tree minus the cmdline (iso-bios).
 */
export async function stageTree(entries: AsyncIterable<TarRecord>, stage: string, epoch: number, kernelTo?: string): Promise<Pass> {
  await mkdir(stage, { recursive: true });
  const pass: Pass = { tree: new IsoTree(stage, epoch), hasKernel: false };
  for await (const rec of entries) {
    const part = bootPart(rec.name);
    if (part === 'cmdline') {
      pass.cmdline = (await readAll(rec.body)).toString('utf8');
    } else if (part === 'kernel') {
      pass.hasKernel = true;
      if (kernelTo) await saveBody(rec.body, kernelTo);
      else await pass.tree.add(rec);
    } else if (part !== undefined && kernelTo) {
      await rec.skip();
    } else {
      await pass.tree.add(rec);
    }
  }
  return pass;
}

export const isoBios: OutputFormat = {
  name: 'iso-bios',
  description: 'a BIOS-bootable ISO (ISOLINUX) holding the root filesystem, root=/dev/sr0',
  streamable: false,
  hostTools: [TOOLS.xorriso, TOOLS.isolinuxBin, TOOLS.isohybridMbr, TOOLS.ldlinuxC32],
  files: (name) => [`${name}.iso`],

  write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return this.writeEntries!(readRecords(input), target, options);
  },

  writeEntries(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return AtomicOutputs.run(async (out) => {
      const iso = await out.temp(join(target.dir, `${target.name}.iso`));
      const epoch = sourceDateEpoch(options.sourceDateEpoch);
      const stage = `${iso}.stage`;
      try {
        const pass = await stageTree(entries, stage, epoch);
        if (!pass.hasKernel) throw new UserError(`${target.name}.iso: the image has no boot/kernel (no kernel: section?); an iso-bios cannot boot without one`);
        // The boot loader's files are ours (staged copies), at LinuxKit's paths, replacing any
        // the image has there.
        for (const [file, from] of [
          ['isolinux.bin', TOOLS.isolinuxBin.name],
          ['ldlinux.c32', TOOLS.ldlinuxC32.name],
        ] as const) {
          const s = pass.tree.stagePath();
          await copyFile(from, s);
          await pass.tree.addHostFile(`/isolinux/${file}`, s, 0o644, epoch);
        }
        const cfg = pass.tree.stagePath();
        await writeFile(cfg, isolinuxConfig(cdromCmdline(pass.cmdline ?? '')));
        await pass.tree.addHostFile('/isolinux/isolinux.cfg', cfg, 0o644, epoch);
        await writeIso(pass.tree, iso, stage, epoch, { isolinuxDir: '/isolinux' });
      } finally {
        await rm(stage, { recursive: true, force: true });
      }
    });
  },
};

export const kernelIso: OutputFormat = {
  name: 'kernel+iso',
  description: 'kernel, an ISO 9660 root file system and cmdline',
  streamable: false,
  hostTools: [TOOLS.xorriso],
  files: (name) => [`${name}-kernel`, `${name}.iso`, `${name}-cmdline`],

  write(input: Readable, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    return this.writeEntries!(readRecords(input), target, options);
  },

  writeEntries(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions = {}): Promise<string[]> {
    const base = join(target.dir, target.name);
    return AtomicOutputs.run(async (out) => {
      const kernel = await out.temp(`${base}-kernel`);
      const iso = await out.temp(`${base}.iso`);
      const cmdline = await out.temp(`${base}-cmdline`);
      const stage = `${iso}.stage`;
      const epoch = sourceDateEpoch(options.sourceDateEpoch);
      try {
        const pass = await stageTree(entries, stage, epoch, kernel);
        if (!pass.hasKernel) {
          await out.forget(`${base}-kernel`);
          out.removeOnCommit(`${base}-kernel`);
        }
        await writeFile(cmdline, pass.cmdline ?? '', { mode: 0o644 });
        await writeIso(pass.tree, iso, stage, epoch);
      } finally {
        await rm(stage, { recursive: true, force: true });
      }
    });
  },
};
