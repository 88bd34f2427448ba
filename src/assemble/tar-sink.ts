// The output side of assembly: one tar stream (src/tar's writer), written entry by entry with
// backpressure, and the same entries handed straight to the formats that take them.
// Every entry carries LinuxKit's PAX records saying where it came from (LINUXKIT.source,
// LINUXKIT.location), which `--input-tar` uses to reuse parts of an earlier build.
import { Readable } from 'node:stream';
import { sourceDateEpoch } from '../formats/index.js';
import { chunksOf, readBack, TarBody, TarWriter, xattrsToPax, type TarEntry, type TarHeader, type TarRecord } from '../tar/index.js';
import { EntryChannel } from './entry-channel.js';

/** A file's contents: a Node Readable (a tar reader's TarBody is one), async-iterable. */
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
 * An entry as written to the output: a layer entry (src/tar/entry.ts) without its body,
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
  private readonly out?: TarWriter;
  /** The tar stream as a Node stream; it must be consumed while entries are added. */
  readonly stream: Readable;
  private readonly channels: EntryChannel[] = [];
  private finishing?: Promise<void>;

  constructor(opts: TarSinkOptions = {}) {
    if (opts.tar === false) {
      this.stream = Readable.from([]);
    } else {
      this.out = new TarWriter();
      this.stream = this.out.stream;
    }
  }

  /**
   * The entries as a format would read them back from the tar stream (src/tar/records.ts
   * readRecords), without the tar in between. Call before the first add(); consume while entries are
   * added (each one is held until its consumer has taken it).
   */
  entries(): AsyncGenerator<TarRecord> {
    const channel = new EntryChannel();
    this.channels.push(channel);
    return channel.read();
  }

  /** Adds one entry; resolves when its body has been taken in (so callers keep the order). */
  async add(header: OutEntry, body?: Buffer | string | EntryBody): Promise<void> {
    if (this.channels.some((c) => c.closedEarly)) throw new Error(`an output stopped reading before ${header.path}`);
    const h: TarHeader = {
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
    const bodies = this.channels.map((c) => c.offer(readBack(h)));
    const size = h.type === 'file' ? h.size! : 0;
    if (this.out) await this.out.header(h);
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
