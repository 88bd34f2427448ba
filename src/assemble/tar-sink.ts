// The output side of assembly: one tar stream, written entry by entry with backpressure.
// Every entry carries LinuxKit's PAX records saying where it came from (LINUXKIT.source,
// LINUXKIT.location), which `--input-tar` uses to reuse parts of an earlier build.
import { Readable } from 'node:stream';
import type tar from 'tar-stream';
import { sourceDateEpoch } from '../formats/defaults.js';
import type { TarEntry } from '../oci/layer/entry.js';
import { xattrsToPax } from '../oci/layer/pax.js';
import { encodeHeaders, type EncodeHeader } from '../oci/layer/tar-header.js';
import { chunksOf, TarBody } from '../oci/layer/tar-reader.js';
import type { TarEntry as FormatTarEntry } from '../formats/tar-input.js';
import { EntryChannel } from './entry-channel.js';

/** A file's contents: a Node Readable or a streamx one, both async-iterable. */
export type EntryBody = AsyncIterable<Uint8Array> & { resume(): unknown };

/** PAX record naming the image (or "linuxkit.files", …) an entry came from (lk:moby/const.go). */
export const PAX_SOURCE = 'LINUXKIT.source';
/** PAX record naming where in the YAML the entry came from: "kernel", "init[0]", "services[2]". */
export const PAX_LOCATION = 'LINUXKIT.location';

/**
 * mtime of entries the build makes itself (directories, config.json, files…): SOURCE_DATE_EPOCH
 * when set, else LinuxKit's fixed date (src/formats/defaults.ts, the one place for both), so
 * outputs are byte-identical run after run and match LinuxKit's.
 */
export function generatedMtime(): Date {
  return new Date(sourceDateEpoch() * 1000);
}

/**
 * An entry as written to the output: a layer entry (src/oci/layer/entry.ts) without its body,
 * plus LinuxKit's PAX records. Extended attributes become SCHILY.xattr.* records.
 */
export type OutEntry = Omit<TarEntry, 'body' | 'xattrs'> & {
  xattrs?: Record<string, Buffer>;
  pax?: Record<string, string>;
};

/** Fills in what a generated entry leaves out: root-owned, generated mtime, no size. */
export function generated(h: Partial<OutEntry> & Pick<OutEntry, 'path' | 'type'>): OutEntry {
  return {
    mode: h.type === 'directory' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: generatedMtime(),
    ...h,
  };
}

/** Size of the pieces the tar stream is handed out in. */
const OUT_PIECE = 256 * 1024;
/** Data pieces at least this large are handed on without being copied into a piece. */
const DIRECT = 64 * 1024;
const ZEROS = Buffer.alloc(1024);

/**
 * The output tar stream, written in pieces of OUT_PIECE bytes: headers (tar-header.ts, the bytes
 * tar-stream's pack made) and data are copied into the piece being filled. Handing on every
 * 512-byte header and body chunk on its own made each a write() on the file (a thread pool
 * round trip) and a stream hop in every format, which measured as a large share of a build's
 * CPU time; so did tar-stream's per-entry streams, which this replaces.
 */
class TarOut {
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

  private wake(): void {
    const w = this.wakeWriter;
    this.wakeWriter = undefined;
    w?.();
  }

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

  destroy(err: Error): void {
    this.error ??= err;
    this.stream.destroy(err);
  }
}

export interface TarSinkOptions {
  /**
   * Whether to produce the tar stream (`stream`). false when every consumer takes entries
   * directly (entries()): then no tar is encoded at all. Default true.
   */
  tar?: boolean;
}

/** Where assembly steps write entries: the TarSink itself, or a wrapper that looks at them. */
export interface EntrySink {
  add(header: OutEntry, body?: Buffer | string | EntryBody): Promise<void>;
}

export class TarSink implements EntrySink {
  private readonly out?: TarOut;
  /** The tar stream as a Node stream; it must be consumed while entries are added. */
  readonly stream: Readable;
  private readonly channels: EntryChannel[] = [];
  private finishing?: Promise<void>;

  constructor(opts: TarSinkOptions = {}) {
    if (opts.tar === false) {
      this.stream = Readable.from([]);
    } else {
      this.out = new TarOut();
      this.stream = this.out.stream;
    }
  }

  /**
   * The entries as a format would read them back from the tar stream (src/formats/tar-input.ts
   * readTar), without the tar in between. Call before the first add(); consume while entries are
   * added (each one is held until its consumer has taken it).
   */
  entries(): AsyncGenerator<FormatTarEntry> {
    const channel = new EntryChannel();
    this.channels.push(channel);
    return channel.read();
  }

  /** Adds one entry; resolves when its body has been taken in (so callers keep the order). */
  async add(header: OutEntry, body?: Buffer | string | EntryBody): Promise<void> {
    if (this.channels.some((c) => c.closedEarly)) throw new Error(`an output stopped reading before ${header.path}`);
    const h: tar.Header = {
      name: header.path,
      type: header.type,
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      size: header.type === 'file' ? header.size : 0,
      mtime: header.mtime,
      linkname: header.linkname ?? '',
      uname: header.uname ?? '',
      gname: header.gname ?? '',
      devmajor: header.devmajor ?? 0,
      devminor: header.devminor ?? 0,
    };
    const pax = { ...(header.xattrs && xattrsToPax(header.xattrs)), ...header.pax };
    if (Object.keys(pax).length > 0) h.pax = pax;
    const bodies = this.channels.map((c) => c.offer(asReadBack(h)));
    const size = h.type === 'file' ? h.size! : 0;
    if (this.out) await this.out.write(encodeHeaders(packed(h)));
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = body === undefined ? undefined : Buffer.from(body);
      if (buf && buf.length !== size) {
        throw new Error(`tar entry ${header.path}: header size ${size} but body ${buf.length}`);
      }
      if (buf && buf.length > 0) {
        if (this.out) await this.out.write(buf);
        for (const b of bodies) await b.put(buf);
      }
      for (const b of bodies) b.end();
      if (this.out) await this.out.pad(size);
      await Promise.all(bodies.map((b) => b.finished));
      return;
    }
    if (header.type !== 'file') {
      // Bodies of non-files are empty; a tar reader's body needs nothing (it skips what is
      // left unread), other streams are drained so the source can move on.
      if (!(body instanceof TarBody)) body.resume();
      for (const b of bodies) b.end();
      await Promise.all(bodies.map((b) => b.finished));
      return;
    }
    let written = 0;
    for await (const chunk of chunksOf(body)) {
      const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      written += c.length;
      if (written > size) break;
      for (const b of bodies) await b.put(c);
      if (this.out) await this.out.write(c);
    }
    if (written !== size) {
      const err = new Error(`tar entry ${header.path}: header size ${size} but body ${written}`);
      this.abort(err);
      throw err;
    }
    for (const b of bodies) b.end();
    if (this.out) await this.out.pad(size);
    await Promise.all(bodies.map((b) => b.finished));
  }

  /** Ends the tar stream (two zero blocks). */
  finish(): void {
    this.finishing = this.out?.end();
    // A failure here is the stream's error, which its consumer sees.
    this.finishing?.catch(() => undefined);
    for (const c of this.channels) c.finish();
  }

  /** Aborts the stream: consumers see an error instead of a truncated but valid tar. */
  abort(err: Error): void {
    this.out?.destroy(err);
    for (const c of this.channels) c.abort(err);
  }
}

/** The header with tar-stream pack's defaults filled in (what it encoded). */
function packed(h: tar.Header): EncodeHeader {
  const type = h.type ?? 'file';
  return {
    name: h.name,
    type,
    mode: h.mode || (type === 'directory' ? 0o755 : 0o644),
    uid: h.uid || 0,
    gid: h.gid || 0,
    size: !h.size || type === 'symlink' ? 0 : h.size,
    mtime: h.mtime ?? new Date(),
    linkname: h.linkname ?? undefined,
    uname: h.uname,
    gname: h.gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
    ...(h.pax ? { pax: h.pax as Record<string, string> } : {}),
  };
}

/**
 * The header as tar-stream's extract gives it back after a pack/extract round trip: pack's
 * defaults for a zero mode, permission bits only, whole seconds, no size for non-files.
 */
function asReadBack(h: tar.Header): tar.Header {
  const type = h.type ?? 'file';
  const mode = (h.mode || (type === 'directory' ? 0o755 : 0o644)) & 0o7777;
  const ms = h.mtime ? h.mtime.getTime() : 0;
  return {
    name: h.name,
    type,
    mode,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    size: type === 'symlink' ? 0 : (h.size ?? 0),
    mtime: new Date(((ms / 1000) | 0) * 1000),
    linkname: h.linkname ?? '',
    uname: h.uname ?? '',
    gname: h.gname ?? '',
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
    ...(h.pax ? { pax: h.pax } : {}),
  };
}
