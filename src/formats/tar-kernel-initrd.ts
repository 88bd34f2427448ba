// tar-kernel-initrd: NAME-initrd.tar holding kernel, initrd.img, cmdline and ucode.cpio (each
// only when present, in that order, mode 0644, LinuxKit's fixed mtime): the input of LinuxKit's
// mkimage-* tools. Unlike kernel+initrd, the microcode stays a separate member.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicOutputs } from './atomic.js';
import { sourceDateEpoch } from './defaults.js';
import { entriesToInitrd, initrdOptions } from './initrd.js';
import type { TarRecord } from '../tar/index.js';
import { writeTarOfFiles, type TarFile } from './tar-writer.js';
import { recordFormat, type FormatOptions, type OutputTarget } from './types.js';

export const tarKernelInitrd = recordFormat(
  {
    name: 'tar-kernel-initrd',
    description: 'a tar of kernel, initrd.img, cmdline (and ucode.cpio), as the mkimage tools take',
    streamable: false,
    files: (name) => [`${name}-initrd.tar`],
  },
  writeTarKernelInitrd,
);

function writeTarKernelInitrd(entries: AsyncIterable<TarRecord>, target: OutputTarget, options: FormatOptions): Promise<string[]> {
  const path = join(target.dir, `${target.name}-initrd.tar`);
  return AtomicOutputs.run(async (out) => {
    const tmp = await out.temp(path);
    const parts = { initrd: `${tmp}.initrd`, kernel: `${tmp}.kernel`, ucode: `${tmp}.ucode` };
    try {
      const r = await entriesToInitrd(entries, parts, initrdOptions(options));
      const files: TarFile[] = [];
      if (r.hasKernel) files.push({ name: 'kernel', path: parts.kernel });
      files.push({ name: 'initrd.img', path: parts.initrd });
      if (r.cmdline) files.push({ name: 'cmdline', content: Buffer.from(r.cmdline) });
      if (r.hasUcode) files.push({ name: 'ucode.cpio', path: parts.ucode });
      await writeTarOfFiles(tmp, files, sourceDateEpoch(options.sourceDateEpoch));
    } finally {
      await Promise.all(Object.values(parts).map((p) => rm(p, { force: true })));
    }
  });
}
