// The gcp format's file (lk:tools/mkimage-gcp/make-gcp, `tar cf - disk.raw | gzip`): a gzip
// compressed tar holding one member, disk.raw, the raw disk, as Google Compute Engine imports
// it (its rules: the member named disk.raw, the tar in GNU's old format, gzip compression).
// The tar is written here (header, the disk streamed, GNU tar's padding to a 10 KiB record)
// and compressed by the initrd's gzip compressor, so it is byte-reproducible.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createCompressor } from './compress/index.js';
import { encodeOldGnuHeader } from '../tar/index.js';

/** The one member's name, which GCE requires. */
export const GCP_DISK_MEMBER = 'disk.raw';

/** GNU tar's default record: 20 blocks of 512 bytes; an archive is padded to a whole record. */
const RECORD = 20 * 512;

export async function writeGcpTarball(raw: string, out: string, mtime: number, level?: number): Promise<void> {
  const { size } = await stat(raw);
  const gz = await createCompressor('gzip', out, level === undefined ? {} : { level });
  try {
    await gz.write(encodeOldGnuHeader({ name: GCP_DISK_MEMBER, size, mode: 0o644, uid: 0, gid: 0, uname: 'root', gname: 'root', mtime: new Date(mtime * 1000) }));
    for await (const chunk of createReadStream(raw, { highWaterMark: 1 << 20 })) await gz.write(chunk as Buffer);
    const used = 512 + Math.ceil(size / 512) * 512 + 1024; // header, data, two zero blocks
    await gz.write(Buffer.alloc((Math.ceil(size / 512) * 512 - size) + 1024 + (RECORD - (used % RECORD)) % RECORD));
    await gz.end();
  } catch (err) {
    gz.destroy();
    throw err;
  }
}
