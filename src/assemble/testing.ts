// Test support for assembly: images made of in-memory entries, and reading a tar back.
import { Readable } from 'node:stream';
import type { ImageConfigFile } from '../oci/index.js';
import { readRawTar, type TarEntry } from '../tar/index.js';
import type { ResolvedImage } from './image-source.js';

export interface MemEntry {
  name: string;
  type?: TarEntry['type'];
  mode?: number;
  contents?: string | Buffer;
  linkname?: string;
  uid?: number;
  gid?: number;
}

/** An image whose filesystem is the given entries (mtime 1, root-owned unless said). */
export function memImage(ref: string, entries: MemEntry[], config: ImageConfigFile['config'] = {}, sboms: string[] = []): ResolvedImage {
  return {
    ref,
    config: { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } },
    async *entries(): AsyncGenerator<TarEntry> {
      for (const e of entries) {
        const contents = e.contents === undefined ? undefined : Buffer.from(e.contents);
        const type = e.type ?? (contents ? 'file' : 'directory');
        yield {
          path: e.name,
          type,
          mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
          uid: e.uid ?? 0,
          gid: e.gid ?? 0,
          size: contents?.length ?? 0,
          mtime: new Date(1000),
          ...(e.linkname !== undefined && { linkname: e.linkname }),
          xattrs: {},
          body: Readable.from(contents ? [contents] : []),
        };
      }
    },
    async sboms() {
      return sboms.map((s) => Buffer.from(s));
    },
  };
}

export interface ReadEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkname?: string;
  contents?: string;
  pax: Record<string, string>;
}

/** Reads a whole (small) tar stream into entries, for assertions. */
export async function readTar(stream: Readable): Promise<ReadEntry[]> {
  const out: ReadEntry[] = [];
  for await (const { header: h, body } of readRawTar(stream)) {
    const chunks: Buffer[] = [];
    for await (const c of body.chunks()) chunks.push(Buffer.from(c));
    const pax = { ...((h.pax as Record<string, string> | null) ?? {}) };
    delete pax.path;
    delete pax.linkpath;
    out.push({
      name: h.name.replace(/\/$/, ''),
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      mtime: h.mtime.getTime() / 1000,
      ...(h.linkname ? { linkname: h.linkname } : {}),
      ...(h.type === 'file' ? { contents: Buffer.concat(chunks).toString('utf8') } : {}),
      pax,
    });
  }
  return out;
}
