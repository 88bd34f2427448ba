// Gzip on every core, in process, producing ONE ordinary gzip member (the way pigz does it):
// the input is cut into fixed-size chunks; each chunk is deflated on its own (zlib runs on
// libuv's thread pool, so several chunks compress at once) with the previous 32 KiB of input
// as its dictionary, and ends with a sync flush (byte-aligned, not final) except the last,
// which ends the stream. The raw deflate pieces, concatenated in order, are one valid deflate
// stream; a 10-byte header and the CRC-32/length trailer make it a gzip file. Compression is
// within ~0.1 % of single-threaded zlib at the same level, and the output depends only on the
// input, chunk size and level, never on thread timing: it is reproducible.
//
// Why one member rather than one member per chunk: the kernel's initramfs unpacker accepts
// several concatenated compressed archives, but only if each ends on a cpio entry boundary
// ("junk at the end of compressed archive" otherwise, init/initramfs.c), which would tie chunking
// to entry sizes; boot loaders and `gzip -l` are also happier with a single member.
import { constants, crc32, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import type { Compressor } from './types.js';
import type { FileSink } from './file-sink.js';

const deflateRawAsync = promisify(deflateRaw) as (buf: Buffer, opts: object) => Promise<Buffer>;

const WINDOW = 32 * 1024;
/** zlib output buffer per job: a 1 MiB chunk rarely deflates to more. */
const OUT_PIECE = 1024 * 1024;

export interface ParallelGzipOptions {
  level: number;
  /** Chunks compressing at once. */
  parallel: number;
}

export class ParallelGzip implements Compressor {
  private crc = 0;
  private length = 0;
  private dictionary: Buffer = Buffer.alloc(0);
  /** The chunk held back until we know whether it is the last one (which must end the stream). */
  private held: Buffer | undefined;
  private readonly inflight: Promise<Buffer>[] = [];
  private headerWritten = false;

  constructor(
    private readonly out: FileSink,
    private readonly opts: ParallelGzipOptions,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.crc = crc32(chunk, this.crc);
    this.length += chunk.length;
    if (this.held) await this.submit(this.held, false);
    this.held = chunk;
  }

  async end(): Promise<void> {
    await this.submit(this.held ?? Buffer.alloc(0), true);
    this.held = undefined;
    while (this.inflight.length > 0) await this.writeOldest();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.length % 2 ** 32, 4);
    await this.out.write(trailer);
    await this.out.close();
  }

  destroy(): void {
    void this.out.close().catch(() => undefined);
  }

  private async submit(chunk: Buffer, last: boolean): Promise<void> {
    const opts: Record<string, unknown> = {
      level: this.opts.level,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      // One output piece per job rather than zlib's 16 KiB ones: fewer callbacks and copies
      // on the main thread. Does not change the bytes.
      chunkSize: OUT_PIECE,
    };
    if (this.dictionary.length > 0) opts.dictionary = this.dictionary;
    const job = deflateRawAsync(chunk, opts);
    job.catch(() => undefined); // awaited in order below; avoid an unhandled rejection meanwhile
    this.inflight.push(job);
    this.dictionary = lastBytes(this.dictionary, chunk, WINDOW);
    if (this.inflight.length >= this.opts.parallel) await this.writeOldest();
  }

  private async writeOldest(): Promise<void> {
    if (!this.headerWritten) {
      await this.out.write(gzipHeader(this.opts.level));
      this.headerWritten = true;
    }
    const deflated = await this.inflight.shift()!;
    await this.out.write(deflated);
  }
}

/** The last `n` bytes of prev ‖ next, copied (so held chunks can be released). */
function lastBytes(prev: Buffer, next: Buffer, n: number): Buffer {
  if (next.length >= n) return Buffer.from(next.subarray(next.length - n));
  return Buffer.from(Buffer.concat([prev, next]).subarray(-n));
}

/** RFC 1952 header: no name, mtime 0 (reproducible), OS = Unix. */
function gzipHeader(level: number): Buffer {
  const xfl = level >= 9 ? 2 : level <= 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}
