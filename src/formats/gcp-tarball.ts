// The gcp format's file (lk:tools/mkimage-gcp/make-gcp, `tar cf - disk.raw | gzip`): a gzip
// compressed tar holding one member, disk.raw, the raw disk, as Google Compute Engine imports
// it. Its rules (GCE "import a disk image": `tar --format=oldgnu -Sczf`): the member named
// disk.raw, the tar in GNU's old format, gzip compression; sparse, as `-S` makes it, so the
// disk's zeros (most of it) are neither stored nor compressed. The tar is written here (the
// regions holding data found by reading the disk, GNU tar's padding to a 10 KiB record) and
// compressed by the initrd's gzip compressor: byte-reproducible.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createCompressor } from './compress/index.js';
import { encodeOldGnuHeaders, type SparseRegion } from '../tar/index.js';

/** The one member's name, which GCE requires. */
export const GCP_DISK_MEMBER = 'disk.raw';

/** GNU tar's default record: 20 blocks of 512 bytes; an archive is padded to a whole record. */
const RECORD = 20 * 512;
/** The granularity of the holes looked for (the disk's partition and FAT are 4 KiB aligned). */
const BLOCK = 4096;
const ZEROS = Buffer.alloc(BLOCK);
const CHUNK = 1 << 20;
const ZERO_CHUNK = Buffer.alloc(CHUNK);

/** The regions of `path` that are not all zeros, in BLOCK units, merged; a 0-length one at the end if it ends in zeros (as GNU tar). */
async function dataRegions(path: string, size: number): Promise<SparseRegion[]> {
  const regions: Array<[number, number]> = [];
  let at = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    const b = chunk as Buffer;
    // Most of a disk is zeros: a whole chunk is checked at once first.
    if (b.length === CHUNK && b.equals(ZERO_CHUNK)) {
      at += b.length;
      continue;
    }
    for (let i = 0; i < b.length; i += BLOCK) {
      const block = b.subarray(i, i + BLOCK);
      if (!block.equals(block.length === BLOCK ? ZEROS : Buffer.alloc(block.length))) {
        const last = regions[regions.length - 1];
        if (last && last[0] + last[1] === at + i) last[1] += block.length;
        else regions.push([at + i, block.length]);
      }
    }
    at += b.length;
  }
  const last = regions[regions.length - 1];
  if (!last || last[0] + last[1] < size) regions.push([size, 0]);
  return regions;
}

export async function writeGcpTarball(raw: string, out: string, mtime: number, level?: number): Promise<void> {
  const { size } = await stat(raw);
  const regions = await dataRegions(raw, size);
  const gz = await createCompressor('gzip', out, level === undefined ? {} : { level });
  try {
    const header = encodeOldGnuHeaders(
      { name: GCP_DISK_MEMBER, size, mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(mtime * 1000) },
      regions,
    );
    await gz.write(header);
    let stored = 0;
    for (const [offset, length] of regions) {
      if (length === 0) continue;
      for await (const chunk of createReadStream(raw, { start: offset, end: offset + length - 1, highWaterMark: 1 << 20 })) await gz.write(chunk as Buffer);
      stored += length;
    }
    const used = header.length + Math.ceil(stored / 512) * 512 + 1024; // headers, data, two zero blocks
    await gz.write(Buffer.alloc(Math.ceil(stored / 512) * 512 - stored + 1024 + ((RECORD - (used % RECORD)) % RECORD)));
    await gz.end();
  } catch (err) {
    gz.destroy();
    throw err;
  }
}
