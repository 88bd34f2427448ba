// Reading a tar stream into TarEntry values (tar-stream underneath, with binary xattrs).
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { UserError } from '../../util/errors.js';
import { normalizeEntryPath, type EntryType, type TarEntry } from './entry.js';
import { installBinaryPax, xattrsFromPax } from './pax.js';

installBinaryPax();

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
export async function* readTar(source: Readable, what = 'layer'): AsyncGenerator<TarEntry> {
  const extract = tar.extract();
  source.on('error', (err) => extract.destroy(err));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const raw of extract) {
      const h = raw.header;
      const type = TYPES[h.type ?? 'file'];
      if (!type) {
        raw.resume();
        continue;
      }
      const path = normalizeEntryPath(h.name, `${what} entry`);
      if (path === '') {
        raw.resume();
        continue;
      }
      // Only files have data; the others (most entries of an image) get a cheap empty body
      // rather than a stream adapter each, and their (empty) tar-stream body is let go now.
      const isFile = type === 'file';
      if (!isFile) raw.resume();
      const body = isFile ? Readable.from(raw as AsyncIterable<Buffer>, { objectMode: false }) : emptyBody();
      const entry: TarEntry = {
        path,
        type,
        mode: (h.mode ?? (type === 'directory' ? 0o755 : 0o644)) & 0o7777,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        mtime: h.mtime ?? new Date(0),
        size: type === 'file' ? (h.size ?? 0) : 0,
        xattrs: xattrsFromPax(h.pax as Record<string, string> | undefined),
        body,
      };
      if (h.uname) entry.uname = h.uname;
      if (h.gname) entry.gname = h.gname;
      if (type === 'symlink') entry.linkname = h.linkname ?? '';
      if (type === 'link') entry.linkname = normalizeEntryPath(h.linkname ?? '', `${what} hard link target`);
      if (type === 'character-device' || type === 'block-device') {
        entry.devmajor = h.devmajor ?? 0;
        entry.devminor = h.devminor ?? 0;
      }
      yield entry;
      // Whatever the consumer left unread is drained so the archive can go on.
      if (isFile && !body.readableEnded) {
        body.resume();
        await new Promise<void>((resolve, reject) => {
          if (body.readableEnded) return resolve();
          body.once('end', resolve);
          body.once('error', reject);
          body.once('close', resolve);
        });
      }
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read ${what} as a tar archive: ${(err as Error).message}`);
  } finally {
    source.unpipe(extract as unknown as NodeJS.WritableStream);
    extract.destroy();
    // Stopping early (a consumer's `break`, an error) must not leave the source open.
    source.destroy();
  }
}

/** An empty body: ends as soon as it is read or resumed. */
function emptyBody(): Readable {
  return new Readable({
    read() {
      this.push(null);
    },
  });
}
