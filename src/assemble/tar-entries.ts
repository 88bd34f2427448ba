// Reading a tar stream as FsEntry values (used for tars inside images, e.g. kernel.tar).
import tar from 'tar-stream';
import type { EntryBody, FsEntry } from './image-source.js';
import type { EntryHeader, EntryType } from './tar-sink.js';

/** PAX keys that describe the header itself; they are re-derived when the entry is written. */
const STRUCTURAL_PAX = new Set(['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname']);

/** "./a/b/" → "a/b"; "/" and "./" → "" */
export function normalizeName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  n = n.replace(/^\/+/, '').replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

export function toEntryHeader(h: tar.Header): EntryHeader {
  const pax: Record<string, string> = {};
  for (const [k, v] of Object.entries((h.pax as Record<string, string> | null | undefined) ?? {})) {
    if (!STRUCTURAL_PAX.has(k)) pax[k] = v;
  }
  const type = (h.type === 'contiguous-file' ? 'file' : h.type) as EntryType;
  return {
    name: normalizeName(h.name),
    type,
    mode: h.mode & 0o7777,
    uid: h.uid,
    gid: h.gid,
    size: type === 'file' ? h.size : 0,
    mtime: h.mtime,
    linkname: h.type === 'link' ? normalizeName(h.linkname ?? '') : (h.linkname ?? undefined),
    uname: h.uname,
    gname: h.gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
    pax: Object.keys(pax).length ? pax : undefined,
  };
}

/** The entries of a tar stream, in order; each body must be consumed before the next. */
export async function* tarEntries(source: EntryBody): AsyncGenerator<FsEntry> {
  const extract = tar.extract();
  // Feed the parser by hand (the source may be a Node or a streamx stream), with backpressure.
  void (async () => {
    for await (const chunk of source) {
      if (!extract.write(chunk as Buffer)) await new Promise<void>((r) => extract.once('drain', () => r()));
    }
    extract.end(undefined as never);
  })().catch((err: Error) => extract.destroy(err));
  for await (const entry of extract) {
    const header = toEntryHeader(entry.header);
    if (header.name === '') {
      entry.resume();
      continue;
    }
    // tar-stream's entries yield Buffers (its typings say unknown).
    yield header.type === 'file' ? { header, body: entry as EntryBody } : { header };
    // The consumer may not have read a body it did not need.
    entry.resume();
  }
}
