// The one tar reader (layers, kernel.tar, the formats' input, --input-tar, package rootfs): it
// works on the input's own chunks (256 KiB out of gunzip) and hands out file data as views of
// them, with no stream per entry on the fast path. tar-stream's extract, which this replaced,
// pushed every entry through a streamx stream and a Node stream adapter; that was most of a
// build's main-thread time (docs/performance.md). Headers are decoded as tar-stream decoded them
// (header.ts), so consumers see the same values.
import { Readable } from 'node:stream';
import { utf8Name } from '../util/index.js';
import { decodeHeader, type ReadHeader } from './header.js';
import { decodePax } from './pax.js';

/** PAX and GNU long-name records larger than this are refused (tar-stream's limit). */
const MAX_HEADER_SIZE = 4 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

function unexpectedEnd(): Error {
  return new Error('Unexpected end of data');
}

const pad512 = (n: number): number => (512 - (n % 512)) % 512;

/** Pulls bytes out of a chunked source without copying when it can. */
export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private eof = false;
  /** Bytes of the source before the current chunk. */
  private before = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Makes sure the current chunk has bytes; false at the end of the input. */
  private async more(): Promise<boolean> {
    while (this.pos >= this.buf.length) {
      if (this.eof) return false;
      const r = await this.it.next();
      if (r.done) {
        this.eof = true;
        return false;
      }
      const c = r.value;
      this.before += this.buf.length;
      this.buf = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
      this.pos = 0;
    }
    return true;
  }

  /** Bytes taken or skipped from the source so far. */
  get offset(): number {
    return this.before + this.pos;
  }

  /** Up to `n` (> 0) bytes, a view of the input; null at the end. */
  async take(n: number): Promise<Buffer | null> {
    if (this.pos >= this.buf.length && !(await this.more())) return null;
    const end = Math.min(this.buf.length, this.pos + n);
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Exactly `n` bytes (copied only when they span chunks); null when the input ends before the first. */
  async exact(n: number): Promise<Buffer | null> {
    const first = await this.take(n);
    if (first === null || first.length === n) return first;
    const parts = [first];
    let have = first.length;
    while (have < n) {
      const c = await this.take(n - have);
      if (c === null) throw unexpectedEnd();
      parts.push(c);
      have += c.length;
    }
    return Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      const c = await this.take(n);
      if (c === null) throw unexpectedEnd();
      n -= c.length;
    }
  }

  /** Stops reading: the source is closed (a file, a decompressor) when it supports it. */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/**
 * An entry's data. Fast path: chunks() (views of the input, no stream machinery). It is also a
 * Node Readable for consumers that pipe it (extracting to disk, storing a blob).
 */
export class TarBody extends Readable {
  private left: number;
  private pulling?: Promise<void>;
  private streamed = false;
  private skipped = false;

  constructor(
    private readonly src: ByteReader,
    readonly size: number,
  ) {
    super();
    this.left = size;
  }

  /** The data, as views of the input's chunks; each must be used before asking for the next. */
  async *chunks(): AsyncGenerator<Buffer> {
    if (this.streamed) throw new Error('tar entry body is already being read as a stream');
    while (this.left > 0 && !this.skipped) {
      const c = await this.src.take(this.left);
      if (c === null) throw unexpectedEnd();
      this.left -= c.length;
      yield c;
    }
  }

  override _read(): void {
    this.streamed = true;
    if (this.left === 0 || this.skipped) {
      this.push(null);
      return;
    }
    this.pulling = this.src.take(this.left).then(
      (c) => {
        this.pulling = undefined;
        if (c === null) return void this.destroy(unexpectedEnd());
        this.left -= c.length;
        // A copy: a consumer of a stream may keep chunks after the input has moved on.
        this.push(Buffer.from(c));
        if (this.left === 0) this.push(null);
      },
      (err: Error) => {
        this.pulling = undefined;
        this.destroy(err);
      },
    );
  }

  /** After the consumer is done: whatever it left unread is skipped, with the padding. */
  async finish(): Promise<void> {
    if (this.streamed && this.left > 0 && !this.destroyed) {
      // Being read as a stream (piped, or resumed to drain it): let it run to its end.
      this.resume();
      await new Promise<void>((resolve, reject) => {
        if (this.readableEnded) return resolve();
        this.once('end', resolve);
        this.once('close', resolve);
        this.once('error', reject);
      });
    }
    if (this.pulling) await this.pulling;
    this.skipped = true;
    await this.src.skip(this.left + pad512(this.size));
    this.left = 0;
  }
}

export interface RawEntry {
  header: ReadHeader;
  body: TarBody;
  /** Where the entry's first header block (its PAX or long-name record, if any) starts in the stream. */
  offset: number;
  /** Where its data starts (after its header block). */
  dataOffset: number;
}

/** The data of `body` (a TarBody on the fast path, any Readable or async iterable otherwise). */
export function chunksOf(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return body instanceof TarBody ? body.chunks() : body;
}

/**
 * The entries of an uncompressed tar stream, headers as tar-stream's extract gave them (PAX and
 * GNU long names applied). Each body must be used before the next entry is asked for; what is
 * left unread is skipped. A truncated or corrupt stream throws; stopping early closes the source.
 */
export async function* readRawTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<RawEntry> {
  const reader = new ByteReader(chunksOf(source));
  let pax: Record<string, string> | null = null;
  let paxGlobal: Record<string, string> | null = null;
  let longPath: string | null = null;
  let longLink: string | null = null;
  let offset = 0;
  try {
    for (;;) {
      // The entry starts at its first record: a PAX or long-name record before its header.
      if (pax === null && longPath === null && longLink === null) offset = reader.offset;
      const block = await reader.exact(512);
      if (block === null) return;
      const h = decodeHeader(block);
      if (h === null) continue;
      switch (h.type) {
        case 'gnu-long-path':
        case 'gnu-long-link-path':
        case 'pax-global-header':
        case 'pax-header': {
          if (h.size > MAX_HEADER_SIZE) throw new Error('Header exceeds max size');
          const data = h.size > 0 ? await reader.exact(h.size) : EMPTY;
          if (data === null) throw unexpectedEnd();
          await reader.skip(pad512(h.size));
          if (h.type === 'gnu-long-path') longPath = decodeLong(data, 'long entry name');
          else if (h.type === 'gnu-long-link-path') longLink = decodeLong(data, 'long link target');
          else if (h.type === 'pax-global-header') paxGlobal = decodePax(data);
          else pax = paxGlobal === null ? decodePax(data) : { ...paxGlobal, ...decodePax(data) };
          continue;
        }
      }
      if (longPath !== null) {
        h.name = longPath;
        longPath = null;
      }
      if (longLink !== null) {
        h.linkname = longLink;
        longLink = null;
      }
      if (pax) {
        if (pax.path) h.name = pax.path;
        if (pax.linkpath) h.linkname = pax.linkpath;
        if (pax.size) h.size = parseInt(pax.size, 10);
        h.pax = pax;
        pax = null;
      }
      if (!(h.size >= 0)) throw new Error('Invalid header');
      const body = new TarBody(reader, h.size);
      yield { header: h, body, offset, dataOffset: reader.offset };
      await body.finish();
    }
  } finally {
    await reader.close();
  }
}

function decodeLong(b: Buffer, what: string): string {
  const nul = b.indexOf(0);
  return utf8Name(b.subarray(0, nul === -1 ? b.length : nul), what);
}
