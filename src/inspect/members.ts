// The decompressed bytes of an initrd, member by member, with where each member is in the
// compressed file and in the decompressed stream. The build writes a gzip or zstd initrd as one
// member per part of the image (src/formats/segments.ts), so a member's compressed size is that
// part's exact cost in the output; inside a member, entries share its bytes in proportion to
// their uncompressed size (initrd.ts). lz4, uncompressed and foreign initrds are one member.
//
// gzip members are found by inflating each one alone (zlib stops at the end of a deflate stream
// and says how much input it used); zstd frames by reading their block headers, with no
// decompression, each frame then piped through `zstd -dc`.
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInflateRaw, type ZlibOptions } from 'node:zlib';
import { toolDecompress } from '../oci/index.js';
import { UserError } from '../util/index.js';

export type InitrdCompression = 'gzip' | 'zstd' | 'lz4' | 'none';

export interface Member {
  /** Compressed range [cStart, cEnd) in the file. */
  cStart: number;
  cEnd: number;
  /** Decompressed range [uStart, uEnd) in the stream of all members. */
  uStart: number;
  uEnd: number;
}

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable zstd frames: magic 0x184D2A50..5F. */
const ZSTD_SKIPPABLE = 0x184d2a50;
const LZ4_MAGICS = [0x184d2204, 0x184c2102];
const INFLATE_OPTIONS = { chunkSize: 256 * 1024 } as ZlibOptions;
const READ_PIECE = 1024 * 1024;

/** The compression of an initrd from its first bytes; undefined when it is none we know. */
export function detectInitrd(head: Buffer): InitrdCompression | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < 6) return undefined;
  const magic = head.readUInt32LE(0);
  if (magic === ZSTD_MAGIC) return 'zstd';
  if (LZ4_MAGICS.includes(magic)) return 'lz4';
  if (head.subarray(0, 6).toString('latin1') === '070701') return 'none';
  return undefined;
}

/**
 * The decompressed bytes of `file`, one member after another; `members` gets each member once it
 * has been read whole. Bytes after the last member (padding) belong to none.
 */
export async function* decompressedMembers(file: string, size: number, compression: InitrdCompression, members: Member[]): AsyncGenerator<Buffer> {
  let u = 0;
  const add = (cStart: number, cEnd: number, bytes: number) => {
    members.push({ cStart, cEnd, uStart: u, uEnd: u + bytes });
    u += bytes;
  };
  switch (compression) {
    case 'none': {
      for await (const c of createReadStream(file, { highWaterMark: READ_PIECE })) yield c as Buffer;
      add(0, size, size);
      return;
    }
    case 'lz4': {
      let n = 0;
      for await (const c of toolDecompress(createReadStream(file), 'lz4', file)) {
        n += (c as Buffer).length;
        yield c as Buffer;
      }
      add(0, size, n);
      return;
    }
    case 'zstd': {
      for (const [start, end] of await zstdFrames(file, size)) {
        let n = 0;
        for await (const c of toolDecompress(createReadStream(file, { start, end: end - 1 }), 'zstd', file)) {
          n += (c as Buffer).length;
          yield c as Buffer;
        }
        add(start, end, n);
      }
      return;
    }
    case 'gzip': {
      const fh = await open(file, 'r');
      try {
        let off = 0;
        while (off < size) {
          const headerLength = await gzipHeaderLength(fh, off);
          if (headerLength === undefined) break;
          const inflate = createInflateRaw(INFLATE_OPTIONS);
          const feeding = feed(file, off + headerLength, inflate);
          let n = 0;
          for await (const c of inflate) {
            n += (c as Buffer).length;
            yield c as Buffer;
          }
          await feeding;
          // The deflate stream, then CRC-32 and length (8 bytes).
          const end = off + headerLength + inflate.bytesWritten + 8;
          if (end > size) throw new UserError(`${file}: gzip member at byte ${off} is truncated`);
          add(off, end, n);
          off = end;
        }
      } finally {
        await fh.close();
      }
      return;
    }
  }
}

/** Writes the file from `start` into `inflate` until it has seen the end of its deflate stream. */
async function feed(file: string, start: number, inflate: ReturnType<typeof createInflateRaw>): Promise<void> {
  let ended = false;
  const done = once(inflate, 'end').then(
    () => (ended = true),
    () => (ended = true),
  );
  const src = createReadStream(file, { start, highWaterMark: 64 * 1024 });
  try {
    for await (const c of src) {
      if (ended || inflate.writableEnded || inflate.destroyed) break;
      if (!inflate.write(c)) await Promise.race([once(inflate, 'drain'), done]);
    }
    if (!inflate.writableEnded && !ended) inflate.end();
  } finally {
    src.destroy();
  }
}

/** The length of the gzip header at `off`; undefined when there is no gzip member there. */
async function gzipHeaderLength(fh: FileHandle, off: number): Promise<number | undefined> {
  const head = Buffer.alloc(64 * 1024);
  const { bytesRead } = await fh.read(head, 0, head.length, off);
  if (bytesRead < 10 || head[0] !== 0x1f || head[1] !== 0x8b) return undefined;
  const flags = head[3]!;
  let p = 10;
  if (flags & 4) p += 2 + head.readUInt16LE(p); // FEXTRA
  for (const bit of [8, 16]) {
    // FNAME, FCOMMENT: NUL-terminated
    if (flags & bit) {
      const nul = head.indexOf(0, p);
      if (nul < 0) throw new UserError(`gzip member at byte ${off}: header longer than 64 KiB`);
      p = nul + 1;
    }
  }
  if (flags & 2) p += 2; // FHCRC
  return p;
}

/** The [start, end) of each zstd frame with data, from the frames' and blocks' headers. */
async function zstdFrames(file: string, size: number): Promise<[number, number][]> {
  const fh = await open(file, 'r');
  const frames: [number, number][] = [];
  const b = Buffer.alloc(18);
  const read = async (pos: number, n: number): Promise<Buffer> => {
    const { bytesRead } = await fh.read(b, 0, n, pos);
    if (bytesRead < n) throw new UserError(`${file}: zstd frame truncated at byte ${pos}`);
    return b;
  };
  try {
    let off = 0;
    while (off + 4 <= size) {
      const magic = (await read(off, 4)).readUInt32LE(0);
      if ((magic & 0xfffffff0) === ZSTD_SKIPPABLE) {
        off += 8 + (await read(off + 4, 4)).readUInt32LE(0);
        continue;
      }
      if (magic !== ZSTD_MAGIC) break; // padding after the last frame
      const fhd = (await read(off + 4, 1))[0]!;
      const single = (fhd >> 5) & 1;
      const fcs = [single ? 1 : 0, 2, 4, 8][fhd >> 6]!;
      const did = [0, 1, 2, 4][fhd & 3]!;
      let p = off + 5 + (single ? 0 : 1) + did + fcs;
      for (;;) {
        const h = await read(p, 3);
        const block = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        const type = (block >> 1) & 3;
        p += 3 + (type === 1 ? 1 : block >>> 3);
        if (block & 1) break;
      }
      if ((fhd >> 2) & 1) p += 4; // content checksum
      frames.push([off, p]);
      off = p;
    }
    return frames;
  } finally {
    await fh.close();
  }
}
