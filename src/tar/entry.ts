// One entry of a file system carried in a tar (a layer, a flattened image, a package's rootfs),
// and the one normal form of the paths in tar headers.
import type { Readable } from 'node:stream';
import { UserError } from '../util/index.js';
import type { TarHeader } from './header.js';

export type EntryType = 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';

/**
 * The record of a tar (records.ts: its header as written, under its name in normal form) seen as
 * a file system entry, the form layers, images and package trees are read (readTar) and written
 * (packEntries) in: only types a file system holds, the root left out, permission bits only,
 * hard link targets in normal form, extended attributes as bytes. The formats keep the record
 * itself, because they pass headers and PAX records on as they were written. The metadata fields
 * are the header's (header.ts), always set where the header may leave them out.
 */
export interface TarEntry
  extends Required<Pick<TarHeader, 'mode' | 'uid' | 'gid' | 'mtime' | 'size'>>, Pick<TarHeader, 'uname' | 'gname' | 'devmajor' | 'devminor'> {
  /** Relative, normalised: no leading `/` or `./`, no trailing `/`, no `.`/`..` components. */
  path: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (0o7777). */
  mode: number;
  /** Size of the content; 0 for everything but files. */
  size: number;
  /** Symlink target as written (may be absolute or contain ..); for hard links, the normalised path of the target. */
  linkname?: string;
  /** Extended attributes (PAX SCHILY.xattr.*), values as raw bytes. */
  xattrs: Record<string, Buffer>;
  /** The content of a file; an empty stream for other types. Consume or ignore: ignored bodies are drained. */
  body: Readable;
}

/**
 * Normalises a path from a tar header (or one meant for a tar: a package's `copy` destination).
 * Absolute paths are taken relative to the root (as tar does); a path that climbs out of the
 * root with `..` is refused, naming it as `what`. Returns '' for the root itself.
 */
export function normalizeEntryPath(name: string, what = 'tar entry'): string {
  // Most names are already in normal form: keep them as they are without splitting them.
  if (name !== '' && name[0] !== '/' && name[0] !== '.' && name[name.length - 1] !== '/' && !name.includes('//') && !name.includes('/.')) return name;
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new UserError(`${what} "${name}" points outside the root (..); refusing it`);
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** The parent directories of a normalised path, nearest last ('a/b/c' → ['a', 'a/b']). */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  let i = path.indexOf('/');
  while (i !== -1) {
    out.push(path.slice(0, i));
    i = path.indexOf('/', i + 1);
  }
  return out;
}
