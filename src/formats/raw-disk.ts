// A raw disk image from a partition image: the first sector (an MBR, or a protective MBR and
// GPT), the partition at 1 MiB, and the disk's end, written sparsely (the zeros between are
// holes, so a mostly empty disk costs no space on the host).
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

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
  /** The partition image, copied at PARTITION_START. */
  partition: string;
}

export async function writeDisk(out: string, layout: DiskLayout): Promise<void> {
  const part = (await stat(layout.partition)).size;
  if (PARTITION_START * 512 + part > layout.size) throw new Error('the partition does not fit on the disk');
  await pipeline(createReadStream(layout.partition), createWriteStream(out, { start: PARTITION_START * 512, flags: 'w', mode: 0o644 }));
  const fh = await open(out, 'r+');
  try {
    for (const { at, data } of [...layout.head, ...(layout.tail ?? [])]) await fh.write(data, 0, data.length, at);
    await fh.truncate(layout.size);
  } finally {
    await fh.close();
  }
}
