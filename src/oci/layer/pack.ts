// Writing TarEntry values back out as a tar stream (tar-stream underneath, binary xattrs kept).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { TarEntry } from './entry.js';
import { installBinaryPax, xattrsToPax } from './pax.js';

installBinaryPax();

/** The tar-stream header for an entry, with `prefix` (e.g. `containers/onboot/000-x/rootfs/`). */
export type TarHeader = Partial<tar.Header> & { name: string };

export function tarHeader(entry: TarEntry, prefix = ''): TarHeader {
  const header: TarHeader = {
    name: prefix + entry.path + (entry.type === 'directory' ? '/' : ''),
    type: entry.type,
    mode: entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    mtime: entry.mtime,
    size: entry.type === 'file' ? entry.size : 0,
  };
  if (entry.uname) header.uname = entry.uname;
  if (entry.gname) header.gname = entry.gname;
  if (entry.type === 'symlink') header.linkname = entry.linkname ?? '';
  if (entry.type === 'link') header.linkname = prefix + (entry.linkname ?? '');
  if (entry.devmajor !== undefined) header.devmajor = entry.devmajor;
  if (entry.devminor !== undefined) header.devminor = entry.devminor;
  if (Object.keys(entry.xattrs).length) header.pax = xattrsToPax(entry.xattrs);
  return header;
}

/** A tar stream of `entries`, read lazily as the stream is consumed. */
export function packEntries(entries: AsyncIterable<TarEntry>, prefix = ''): Readable {
  const pack = tar.pack();
  (async () => {
    for await (const entry of entries) {
      const sink = pack.entry(tarHeader(entry, prefix));
      if (entry.type === 'file') await pipeline(entry.body, sink as unknown as NodeJS.WritableStream);
      else (sink as unknown as NodeJS.WritableStream).end();
    }
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return Readable.from(pack as unknown as AsyncIterable<Buffer>, { objectMode: false });
}
