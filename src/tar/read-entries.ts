// Reading a tar stream into TarEntry values (reader.ts underneath, xattrs as raw bytes).
import { Readable } from 'node:stream';
import { UserError } from '../util/index.js';
import { normalizeEntryPath, type EntryType, type TarEntry } from './entry.js';
import { xattrsFromPax } from './pax.js';
import { readRawTar } from './reader.js';

const TYPES: Record<string, EntryType> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'link',
  'character-device': 'character-device',
  'block-device': 'block-device',
  fifo: 'fifo',
};

/**
 * The entries of an (uncompressed) tar stream, in order. Each entry's body must be consumed
 * before the next one is asked for, or it is drained. Entries of types a filesystem cannot
 * hold are skipped; the root entry (`./`) is skipped.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, what = 'layer'): AsyncGenerator<TarEntry> {
  try {
    for await (const { header: h, body } of readRawTar(source)) {
      const type = TYPES[h.type ?? 'file'];
      if (!type) continue;
      const path = normalizeEntryPath(h.name, `tar ${what} entry`);
      if (path === '') continue;
      const entry: TarEntry = {
        path,
        type,
        mode: (h.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o7777,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        mtime: h.mtime ?? new Date(0),
        size: type === 'file' ? (h.size ?? 0) : 0,
        xattrs: xattrsFromPax(h.pax),
        body,
      };
      if (h.uname) entry.uname = h.uname;
      if (h.gname) entry.gname = h.gname;
      if (type === 'symlink') entry.linkname = h.linkname ?? '';
      if (type === 'link') entry.linkname = normalizeEntryPath(h.linkname ?? '', `tar ${what} hard link target`);
      if (type === 'character-device' || type === 'block-device') {
        entry.devmajor = h.devmajor ?? 0;
        entry.devminor = h.devminor ?? 0;
      }
      yield entry;
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read ${what} as a tar archive: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    // Stopping early (a consumer's `break`, an error) must not leave the source open.
    if (source instanceof Readable) source.destroy();
  }
}
