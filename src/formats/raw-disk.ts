// A raw disk image: a sparse file of the disk's size (its zeros are holes, so a mostly empty
// disk costs no space on the host) with the first sectors (an MBR, or a protective MBR and GPT)
// and the disk's end (a backup GPT) written; the partition is then made in place at 1 MiB.
import { open } from 'node:fs/promises';

/** The partition's first sector, as LinuxKit's tools place it (2048: 1 MiB). */
export const PARTITION_START = 2048;
export const MiB = 1024 * 1024;

export interface DiskLayout {
  /** The disk's size in bytes. */
  size: number;
  /** Byte ranges written before the partition, e.g. [0, MBR] and a GPT at 512. */
  head: Array<{ at: number; data: Buffer }>;
  /** Written at the disk's end (a backup GPT). */
  tail?: Array<{ at: number; data: Buffer }>;
}

/** Creates the disk `out` (replacing any file there). */
export async function writeDisk(out: string, layout: DiskLayout): Promise<void> {
  const fh = await open(out, 'w', 0o644);
  try {
    await fh.truncate(layout.size);
    for (const { at, data } of [...layout.head, ...(layout.tail ?? [])]) await fh.write(data, 0, data.length, at);
  } finally {
    await fh.close();
  }
}
