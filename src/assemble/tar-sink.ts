// The output side of assembly: one tar stream, written entry by entry with backpressure.
// Every entry carries LinuxKit's PAX records saying where it came from (LINUXKIT.source,
// LINUXKIT.location), which `--input-tar` uses to reuse parts of an earlier build.
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { sourceDateEpoch } from '../formats/defaults.js';
import type { TarEntry } from '../oci/layer/entry.js';
import { installBinaryPax, xattrsToPax } from '../oci/layer/pax.js';

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

export class TarSink {
  private readonly pack = tar.pack();
  /** The tar stream as a Node stream; it must be consumed while entries are added. */
  readonly stream: Readable = Readable.from(this.pack, { objectMode: false });

  /** Adds one entry; resolves when its body has been taken in (so callers keep the order). */
  async add(header: OutEntry, body?: Buffer | string | EntryBody): Promise<void> {
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
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = body === undefined ? undefined : Buffer.from(body);
      if (buf && header.type === 'file' && buf.length !== header.size) {
        throw new Error(`tar entry ${header.path}: header size ${header.size} but body ${buf.length}`);
      }
      await new Promise<void>((resolve, reject) => {
        const cb = (err?: Error | null) => (err ? reject(err) : resolve());
        if (buf) this.pack.entry(h, buf, cb);
        else this.pack.entry(h, cb);
      });
      return;
    }
    if (header.type !== 'file') {
      // Bodies of non-files are empty; drain so the source can move on.
      body.resume();
      await new Promise<void>((resolve, reject) => {
        this.pack.entry(h, (err) => (err ? reject(err) : resolve()));
      });
      return;
    }
    // tar-stream's entry is a streamx Writable: feed it by hand, honouring write()'s
    // backpressure, rather than through Node's pipeline().
    let entry!: ReturnType<tar.Pack['entry']>;
    const entryDone = new Promise<void>((resolve, reject) => {
      entry = this.pack.entry(h, (err) => (err ? reject(err) : resolve()));
    });
    // Awaited below; a pack destroyed meanwhile (a failed output) must not be an unhandled
    // rejection, nor the entry's 'error' event an uncaught one (the callback reports it).
    entryDone.catch(() => {});
    entry.on('error', () => {});
    let written = 0;
    for await (const chunk of body) {
      written += (chunk as Buffer).length;
      // A destroyed pack never drains: stop waiting when the entry fails.
      if (!entry.write(chunk as Buffer)) await Promise.race([new Promise<void>((r) => entry.once('drain', () => r())), entryDone]);
    }
    if (written !== header.size) {
      const err = new Error(`tar entry ${header.path}: header size ${header.size} but body ${written}`);
      this.pack.destroy(err);
      throw err;
    }
    entry.end(undefined as never);
    await entryDone;
  }

  /** Ends the tar stream (two zero blocks). */
  finish(): void {
    this.pack.finalize();
  }

  /** Aborts the stream: consumers see an error instead of a truncated but valid tar. */
  abort(err: Error): void {
    this.pack.destroy(err);
  }
}
