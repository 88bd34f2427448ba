// Writing TarEntry values back out as a tar stream (binary xattrs kept as PAX records).
import type { Readable } from 'node:stream';
import type { TarEntry } from './entry.js';
import type { TarHeader } from './header.js';
import { xattrsToPax } from './pax.js';
import { tarStream } from './writer.js';

/** The header for an entry, with `prefix` (e.g. `containers/onboot/000-x/rootfs/`). */
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
  return tarStream(
    (async function* () {
      for await (const entry of entries) yield { header: tarHeader(entry, prefix), data: entry.type === 'file' ? entry.body : undefined };
    })(),
  );
}
