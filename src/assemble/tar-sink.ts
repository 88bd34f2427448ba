// The output side of assembly: one tar stream, written entry by entry with backpressure.
// Every entry carries LinuxKit's PAX records saying where it came from (LINUXKIT.source,
// LINUXKIT.location), which `--input-tar` uses to reuse parts of an earlier build.
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { sourceDateEpoch } from '../formats/defaults.js';
import type { TarEntry } from '../oci/layer/entry.js';
import { installBinaryPax, xattrsToPax } from '../oci/layer/pax.js';
import type { TarEntry as FormatTarEntry } from '../formats/tar-input.js';
import { EntryChannel } from './entry-channel.js';

// xattr values are raw bytes: keep them so through tar-stream's PAX codec.
installBinaryPax();

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

/**
 * The pack's output as a Node Readable, in pieces of about OUT_PIECE bytes. tar-stream emits
 * every 512-byte header and every body chunk on its own; handed on like that, each becomes a
 * write() on the file (a thread pool round trip) and a stream hop in every format, which
 * measured as a large share of a build's CPU time.
 */
function coalesced(pack: tar.Pack): Readable {
  let pending: Buffer[] = [];
  let size = 0;
  const flush = (): boolean => {
    const piece = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    pending = [];
    size = 0;
    return out.push(piece);
  };
  const out = new Readable({
    highWaterMark: 2 * OUT_PIECE,
    read: () => {
      pack.resume();
    },
    destroy: (err, cb) => {
      pack.destroy(err ?? undefined);
      cb(err);
    },
  });
  pack.on('data', (chunk: unknown) => {
    pending.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= OUT_PIECE && !flush()) pack.pause();
  });
  pack.on('end', () => {
    if (size > 0) flush();
    out.push(null);
  });
  pack.on('error', (err: Error) => out.destroy(err));
  return out;
}

export interface TarSinkOptions {
  /**
   * Whether to produce the tar stream (`stream`). false when every consumer takes entries
   * directly (entries()): then no tar is encoded at all. Default true.
   */
  tar?: boolean;
}

export class TarSink {
  private readonly pack?: tar.Pack;
  /** The tar stream as a Node stream; it must be consumed while entries are added. */
  readonly stream: Readable;
  private readonly channels: EntryChannel[] = [];

  constructor(opts: TarSinkOptions = {}) {
    if (opts.tar === false) {
      this.stream = Readable.from([]);
    } else {
      this.pack = tar.pack();
      this.stream = coalesced(this.pack);
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
    // Taken before pack.entry(), which fills in defaults on `h` in place.
    const bodies = this.channels.map((c) => c.offer(asReadBack(h)));
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = body === undefined ? undefined : Buffer.from(body);
      if (buf && header.type === 'file' && buf.length !== header.size) {
        throw new Error(`tar entry ${header.path}: header size ${header.size} but body ${buf.length}`);
      }
      const packed = !this.pack
        ? undefined
        : new Promise<void>((resolve, reject) => {
            const cb = (err?: Error | null) => (err ? reject(err) : resolve());
            if (buf) this.pack!.entry(h, buf, cb);
            else this.pack!.entry(h, cb);
          });
      for (const b of bodies) {
        if (buf && header.type === 'file' && buf.length > 0) await b.put(buf);
        b.end();
      }
      await packed;
      await Promise.all(bodies.map((b) => b.finished));
      return;
    }
    if (header.type !== 'file') {
      // Bodies of non-files are empty; drain so the source can move on.
      body.resume();
      for (const b of bodies) b.end();
      if (this.pack) {
        await new Promise<void>((resolve, reject) => {
          this.pack!.entry(h, (err) => (err ? reject(err) : resolve()));
        });
      }
      await Promise.all(bodies.map((b) => b.finished));
      return;
    }
    // tar-stream's entry is a streamx Writable: feed it by hand, honouring write()'s
    // backpressure, rather than through Node's pipeline().
    let entry: ReturnType<tar.Pack['entry']> | undefined;
    const entryDone = !this.pack
      ? undefined
      : new Promise<void>((resolve, reject) => {
          entry = this.pack!.entry(h, (err) => (err ? reject(err) : resolve()));
        });
    // Awaited below; a pack destroyed meanwhile (a failed output) must not be an unhandled
    // rejection, nor the entry's 'error' event an uncaught one (the callback reports it).
    entryDone?.catch(() => {});
    entry?.on('error', () => {});
    let written = 0;
    for await (const chunk of body) {
      const c = chunk as Buffer;
      written += c.length;
      for (const b of bodies) await b.put(c);
      // A destroyed pack never drains: stop waiting when the entry fails.
      if (entry && !entry.write(c)) await Promise.race([new Promise<void>((r) => entry!.once('drain', () => r())), entryDone]);
    }
    if (written !== header.size) {
      const err = new Error(`tar entry ${header.path}: header size ${header.size} but body ${written}`);
      this.abort(err);
      throw err;
    }
    for (const b of bodies) b.end();
    entry?.end(undefined as never);
    await entryDone;
    await Promise.all(bodies.map((b) => b.finished));
  }

  /** Ends the tar stream (two zero blocks). */
  finish(): void {
    this.pack?.finalize();
    for (const c of this.channels) c.finish();
  }

  /** Aborts the stream: consumers see an error instead of a truncated but valid tar. */
  abort(err: Error): void {
    this.pack?.destroy(err);
    for (const c of this.channels) c.abort(err);
  }
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
