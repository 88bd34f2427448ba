// The kernel, initrd and command line of an image, written into a staging directory of ours:
// the input of the formats that boot a kernel+initrd from a boot partition or an ISO (raw-bios,
// raw-efi, iso-efi-initrd and the disk and cloud formats made from raw disks), as LinuxKit's
// outputImg hands them kernel, initrd.img and cmdline (lk:moby/build/output.go tarToInitrd).
// The microcode is left out there, as in LinuxKit ("TODO: Handle ucode").
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { entriesToInitrd, initrdOptions } from './initrd.js';
import type { TarRecord } from '../tar/index.js';
import type { FormatOptions } from './types.js';
import { UserError } from '../util/index.js';

export interface StagedBoot {
  kernel: string;
  initrd: string;
  cmdline: string;
  /** sha256 of kernel, initrd and cmdline: what ids and UUIDs are derived from. */
  digest: Buffer;
}

export async function stageBoot(entries: AsyncIterable<TarRecord>, dir: string, format: string, options: FormatOptions): Promise<StagedBoot> {
  await mkdir(dir, { recursive: true });
  const paths = { kernel: join(dir, 'kernel'), initrd: join(dir, 'initrd.img'), ucode: join(dir, 'ucode.cpio') };
  const r = await entriesToInitrd(entries, paths, initrdOptions(options));
  await rm(paths.ucode, { force: true });
  if (!r.hasKernel) throw new UserError(`format ${format}: the image has no boot/kernel (no kernel: section?); it cannot boot without one`);
  const cmdline = (r.cmdline ?? '').replace(/\s+/g, ' ').trim();
  const hash = createHash('sha256');
  for (const p of [paths.kernel, paths.initrd]) for await (const b of createReadStream(p)) hash.update(b as Buffer);
  hash.update(cmdline);
  return { kernel: paths.kernel, initrd: paths.initrd, cmdline, digest: hash.digest() };
}
