// kernel+initrd: NAME-kernel, NAME-initrd.img (microcode cpio first when the kernel image has
// one, as LinuxKit's outputKernelInitrd does) and NAME-cmdline.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AtomicOutputs } from './atomic.js';
import { entriesToInitrd, initrdOptions } from './initrd.js';
import type { TarRecord } from '../tar/index.js';
import { recordFormat, type FormatOptions, type OutputTarget } from './types.js';
import { log } from '../util/index.js';

export const kernelInitrd = recordFormat(
  {
    name: 'kernel+initrd',
    description: 'kernel, compressed cpio initrd and cmdline, for direct kernel boot',
    streamable: false,
    files: (name) => [`${name}-kernel`, `${name}-initrd.img`, `${name}-cmdline`],
  },
  writeKernelInitrd,
);

function writeKernelInitrd(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions): Promise<string[]> {
  const base = join(target.dir, target.name);
  return AtomicOutputs.run(async (out) => {
    const kernel = await out.temp(`${base}-kernel`);
    const initrd = await out.temp(`${base}-initrd.img`);
    const cmdlinePath = await out.temp(`${base}-cmdline`);
    const body = `${initrd}.cpio`;
    const ucode = `${initrd}.ucode`;
    try {
      const r = await entriesToInitrd(entries, { initrd: body, kernel, ucode }, initrdOptions(options));
      if (r.hasUcode) {
        // The kernel reads an uncompressed microcode cpio at the very start of the initrd.
        await copyFile(ucode, initrd);
        await pipeline(createReadStream(body), createWriteStream(initrd, { flags: 'a' }));
      } else {
        await rename(body, initrd);
      }
      if (!r.hasKernel) {
        log.warn(`${target.name}: the image has no boot/kernel (no kernel: section?); writing no ${target.name}-kernel`);
        // …and no kernel from an earlier build beside the new initrd either.
        await out.forget(`${base}-kernel`);
        out.removeOnCommit(`${base}-kernel`);
      }
      await writeFile(cmdlinePath, r.cmdline ?? '', { mode: 0o644 });
    } finally {
      await rm(body, { force: true });
      await rm(ucode, { force: true });
    }
  });
}
