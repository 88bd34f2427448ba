// The `files` section (lk:moby/build/build.go filesystem()): each entry becomes a file,
// directory or symlink in the root, with the leading directories made first.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { filePathProblem } from '../config/index.js';
import type { FileEntry } from '../config/index.js';
import { idNumeric } from '../spec/index.js';
import { UserError, type SourcePos } from '../util/index.js';
import { log } from '../util/index.js';
import { PAX_LOCATION, PAX_SOURCE, generated, type EntrySink, type OutEntry, type TarSink } from './tar-sink.js';

const FILES_SOURCE = 'linuxkit.files';

export interface FilesContext {
  /** uid/gid by container name (allocated per container, see spec). */
  ids: ReadonlyMap<string, number>;
  /** The resolved config as `metadata: yaml` or `metadata: json` wants it. */
  metadata(kind: string): string;
  /** Where entry i was written in the YAML, for errors. */
  position?(i: number): SourcePos | undefined;
}

/** A directory gets x wherever the file mode has r or w, so a 0600 file's parents are 0700. */
export function parentDirMode(mode: number): number {
  let m = mode;
  if (m & 0o700) m |= 0o100;
  if (m & 0o070) m |= 0o010;
  if (m & 0o007) m |= 0o001;
  return m;
}

/** The host file a `source:` entry reads (`~/` is the home directory, as in LinuxKit). */
export function fileSource(f: FileEntry): string | undefined {
  if (!f.source) return undefined;
  return f.source.startsWith('~/') ? homedir() + f.source.slice(1) : f.source;
}

export async function writeFiles(sink: TarSink, files: FileEntry[], ctx: FilesContext): Promise<void> {
  const made = new Set<string>();
  for (const [i, f] of files.entries()) {
    const fail = (msg: string, cause?: unknown) => new UserError(`files[${i}] (${f.path}): ${msg}`, ctx.position?.(i), { cause });
    // Checked when the config was loaded; again here for callers that build a Config themselves.
    const problem = filePathProblem(f.path);
    if (problem) throw fail(problem);
    const path = f.path.replace(/^\/+/, '');
    let mode = f.directory ? 0o700 : 0o600;
    if (f.mode !== undefined && f.mode !== '') {
      if (!/^[0-7]+$/.test(f.mode)) throw fail(`mode "${f.mode}" is not an octal number`);
      mode = parseInt(f.mode, 8);
    }
    const id = (v: number | string | undefined, what: string) => {
      try {
        return idNumeric(v, ctx.ids);
      } catch (err) {
        throw fail(`${what}: ${(err as Error).message}`, err);
      }
    };
    const uid = id(f.uid, 'uid');
    const gid = id(f.gid, 'gid');

    let contents: Buffer | undefined;
    let sourcePath: string | undefined;
    if (!f.directory && !f.symlink && f.contents === undefined) {
      if (f.source) {
        sourcePath = fileSource(f)!;
        const st = await stat(sourcePath).catch(() => undefined);
        if (!st) {
          if (f.optional) {
            log.debug(`skipping optional file ${f.path}: ${sourcePath} not readable`);
            continue;
          }
          throw fail(`source ${sourcePath} does not exist or cannot be read`);
        }
        if (!st.isFile()) throw fail(`source ${sourcePath} is not a regular file`);
      } else if (f.metadata) {
        contents = Buffer.from(ctx.metadata(f.metadata));
      } else {
        throw fail('no contents, source, metadata, directory or symlink');
      }
    } else if (f.contents !== undefined) {
      contents = Buffer.from(f.contents);
    }

    const pax = { [PAX_SOURCE]: FILES_SOURCE, [PAX_LOCATION]: `files[${i}]` };
    const parents = posix
      .dirname(path)
      .split('/')
      .filter((p) => p !== '.' && p !== '');
    for (let d = 1; d <= parents.length; d++) {
      const dir = parents.slice(0, d).join('/');
      if (made.has(dir)) continue;
      made.add(dir);
      await sink.add(generated({ path: dir, type: 'directory', mode: parentDirMode(mode), uid, gid, pax }));
    }
    made.add(path);
    const h = generated({ path: path, type: 'file', mode, uid, gid, pax });
    if (f.directory) {
      await sink.add({ ...h, type: 'directory' });
    } else if (f.symlink) {
      await sink.add({ ...h, type: 'symlink', linkname: f.symlink });
    } else if (sourcePath !== undefined) {
      await addSource(sink, h, sourcePath, fail);
    } else {
      await sink.add({ ...h, size: contents!.length }, contents);
    }
  }
}

/** Files that say they are empty but may not be (/proc, /sys) are read whole up to this size. */
const READ_WHOLE_MAX = 64 * 1024 * 1024;

/**
 * A `source:` file: streamed at the size stat gives, or, when stat says 0 (as /proc and /sys
 * files do), read whole first, as LinuxKit reads every source (os.ReadFile). A file whose size
 * changes while it is read is an error naming it, not a corrupt output.
 */
async function addSource(sink: EntrySink, h: OutEntry, path: string, fail: (msg: string, cause?: unknown) => UserError): Promise<void> {
  const st = await stat(path);
  if (st.size === 0) {
    const data = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw fail(`cannot read source ${path}: ${err.code ?? err.message}`, err);
    });
    if (data.length > READ_WHOLE_MAX) throw fail(`source ${path} gives more than ${READ_WHOLE_MAX} bytes though its size is 0`);
    await sink.add({ ...h, size: data.length }, data);
    return;
  }
  const changed = () =>
    fail(`source ${path} changed size while it was read (${st.size} bytes expected): copy it to a regular file that does not change and name that`);
  async function* checked(): AsyncGenerator<Buffer> {
    let seen = 0;
    for await (const chunk of createReadStream(path)) {
      seen += (chunk as Buffer).length;
      if (seen > st.size) throw changed();
      yield chunk as Buffer;
    }
    if (seen !== st.size) throw changed();
  }
  const body = Readable.from(checked(), { objectMode: false });
  await sink.add({ ...h, size: st.size }, body);
}
