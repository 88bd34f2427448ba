// The one tar writer: headers (header.ts, the bytes tar-stream's pack made) and data copied into
// pieces of OUT_PIECE bytes, handed on as a Node Readable with backpressure. Handing on every
// 512-byte header and body chunk on its own made each a write() on the file (a thread pool round
// trip) and a stream hop in every format, which measured as a large share of a build's CPU time;
// so did tar-stream's per-entry streams, which this replaced. It writes whatever it is given
// (`..` names, devices, invalid UTF-8 in PAX values…): checking names is the readers' job, and
// tests craft hostile tars with it.
import { Readable } from 'node:stream';
import { dataSize, encodeHeaders, type TarHeader } from './header.js';
import { chunksOf } from './reader.js';

/** Size of the pieces the tar stream is handed out in. */
const OUT_PIECE = 256 * 1024;
/** Data pieces at least this large are handed on without being copied into a piece. */
const DIRECT = 64 * 1024;
const ZEROS = Buffer.alloc(1024);

/** An entry's data: in memory, or streamed (a Node Readable, a reader's TarBody, any async iterable). */
export type TarData = Buffer | string | AsyncIterable<Uint8Array>;

/** Types whose data follows the header; the others have none, whatever their size says. */
const hasData = (type: string | undefined): boolean => type === undefined || type === 'file' || type === 'contiguous-file';

export class TarWriter {
  /** The tar stream; it must be consumed while entries are written. */
  readonly stream: Readable;
  private piece = Buffer.allocUnsafe(OUT_PIECE);
  private fill = 0;
  private wakeWriter?: () => void;
  private error?: Error;

  constructor() {
    this.stream = new Readable({
      highWaterMark: 2 * OUT_PIECE,
      read: () => this.wake(),
      destroy: (err, cb) => {
        this.error ??= err ?? new Error('the tar output was closed');
        this.wake();
        cb(err);
      },
    });
  }

  /**
   * Writes one entry: its header, its data (which must be as long as the header says; data in
   * memory gives the size when the header has none) and the padding. Only files carry data; the
   * size of anything else is written as 0.
   */
  async add(header: TarHeader, data?: TarData): Promise<void> {
    const inMemory = typeof data === 'string' ? Buffer.byteLength(data) : Buffer.isBuffer(data) ? data.length : undefined;
    const h = !hasData(header.type) ? { ...header, size: 0 } : header.size === undefined && inMemory !== undefined ? { ...header, size: inMemory } : header;
    const size = dataSize(h);
    await this.header(h);
    if (data === undefined || typeof data === 'string' || Buffer.isBuffer(data)) {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      const length = buf?.length ?? 0;
      if (length !== size) throw new Error(`tar entry ${header.name}: header size ${size} but data ${length}`);
      if (buf && length > 0) await this.write(buf);
    } else {
      let written = 0;
      for await (const chunk of chunksOf(data)) {
        written += chunk.length;
        if (written > size) break;
        await this.write(chunk);
      }
      if (written !== size) throw new Error(`tar entry ${header.name}: header size ${size} but data ${written}`);
    }
    await this.pad(size);
  }

  /** The header blocks of one entry (its data, then pad(), follow). */
  header(h: TarHeader): Promise<void> {
    return this.write(encodeHeaders(h));
  }

  /** Bytes of the archive, as they are. */
  async write(b: Uint8Array): Promise<void> {
    if (b.length >= DIRECT && b instanceof Buffer) {
      // A large piece of file data (a decompressor's output) goes on as it is, after what is
      // pending: copying it would allocate as much again, and every 64 MB of new buffers costs
      // the process a full garbage collection.
      if (this.fill > 0) await this.flush();
      await this.hand(b);
      return;
    }
    let off = 0;
    while (off < b.length) {
      const n = Math.min(b.length - off, OUT_PIECE - this.fill);
      this.piece.set(n === b.length ? b : b.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      if (this.fill === OUT_PIECE) await this.flush();
    }
  }

  /** Zeros up to the next 512-byte boundary after `size` bytes of data. */
  pad(size: number): Promise<void> {
    const n = (512 - (size % 512)) % 512;
    return n === 0 ? Promise.resolve() : this.write(ZEROS.subarray(0, n));
  }

  private wake(): void {
    const w = this.wakeWriter;
    this.wakeWriter = undefined;
    w?.();
  }

  private async flush(): Promise<void> {
    const p = this.fill === OUT_PIECE ? this.piece : this.piece.subarray(0, this.fill);
    this.piece = Buffer.allocUnsafe(OUT_PIECE);
    this.fill = 0;
    await this.hand(p);
  }

  private async hand(p: Buffer): Promise<void> {
    if (this.error) throw this.error;
    if (!this.stream.push(p)) await new Promise<void>((r) => (this.wakeWriter = r));
    if (this.error) throw this.error;
  }

  /** Two zero blocks end the archive. */
  async end(): Promise<void> {
    await this.write(ZEROS);
    if (this.fill > 0) await this.flush();
    this.stream.push(null);
  }

  /** Aborts the stream: its consumer sees `err` instead of a truncated but valid tar. */
  destroy(err: Error): void {
    this.error ??= err;
    this.stream.destroy(err);
  }

  /** Whether the stream was destroyed (its consumer went away, or destroy() was called). */
  get destroyed(): boolean {
    return this.stream.destroyed;
  }
}

/** One entry for tarStream(): its header, and its data or a function opening it when it is written. */
export interface TarItem {
  header: TarHeader;
  data?: TarData | (() => TarData);
}

/**
 * A tar of `items`, written lazily as the stream is read (a data function is called only when its
 * entry is written). An error from `items` or a data stream destroys the tar stream with it.
 */
export function tarStream(items: AsyncIterable<TarItem> | Iterable<TarItem>): Readable {
  const w = new TarWriter();
  (async () => {
    for await (const it of items) await w.add(it.header, typeof it.data === 'function' ? it.data() : it.data);
    await w.end();
  })().catch((err: Error) => w.destroy(err));
  return w.stream;
}

/** A whole (small) tar in memory, for tests and fixtures. */
export async function tarBuffer(items: AsyncIterable<TarItem> | Iterable<TarItem>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of tarStream(items)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
