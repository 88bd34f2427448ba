// All-or-nothing output files: each output is written under a hidden temporary name in its
// final directory (so the rename is atomic, same file system), and renamed only when every
// output of the format is complete. On failure every temporary file is removed, and earlier
// outputs with the same names are left untouched. A build killed outright (SIGKILL, a power cut)
// cannot clean up: the next build into the same directory removes what it left.
//
// Only regular files are replaced that way. An output path is first followed through its
// symlinks (a link to a file keeps being a link; its target is replaced), and a path that leads
// to a character or block device, a fifo, a socket or one of this process's own descriptors
// (/dev/stdout, /dev/fd/N) is written to directly by stream(): renaming over it would turn
// /dev/null or a fifo into a regular file, and make `-o /dev/full` succeed. Errors writing
// there (ENOSPC from /dev/full, EPIPE) are reported as the user's, naming the output.
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream, fstat } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, rename, rm } from 'node:fs/promises';
import { createConnection, Socket } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { processAlive, UserError } from '../util/index.js';

const MAX_SYMLINKS = 40;

/** Where an output path leads, symlinks followed. */
export type OutputPlace =
  | { kind: 'file'; path: string }
  | { kind: 'special'; path: string; what: 'character device' | 'block device' | 'fifo' | 'socket' }
  | { kind: 'fd'; path: string; fd: number };

/** Nothing there (yet): mkdir and open report what is really wrong, as for any output. */
function missing(err: unknown): undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
  throw err;
}

/**
 * Follows `path` through its symlinks (parents and last component) to what is written in the
 * end: a regular file (which may not exist yet), a special file, or a descriptor of this process.
 */
export async function locateOutput(path: string): Promise<OutputPlace> {
  let p = resolve(path);
  for (let hops = 0; hops <= MAX_SYMLINKS; hops++) {
    // A missing parent is made later (mkdir -p), as before.
    const dir = (await realpath(dirname(p)).catch(missing)) ?? dirname(p);
    p = join(dir, basename(p));
    const own = /^\/proc\/(\d+|self|thread-self)\/fd\/(\d+)$/.exec(p);
    if (own && (own[1] === 'self' || own[1] === 'thread-self' || Number(own[1]) === process.pid)) return { kind: 'fd', path: p, fd: Number(own[2]) };
    const st = await lstat(p).catch(missing);
    if (!st || st.isFile()) return { kind: 'file', path: p };
    if (st.isSymbolicLink()) {
      p = resolve(dir, await readlink(p));
      continue;
    }
    if (st.isDirectory()) throw new UserError(`cannot write the output ${path}: it is a directory`);
    const what = st.isCharacterDevice() ? 'character device' : st.isBlockDevice() ? 'block device' : st.isFIFO() ? 'fifo' : 'socket';
    return { kind: 'special', path: p, what };
  }
  throw new UserError(`cannot write the output ${path}: too many levels of symbolic links`);
}

/** A writable for a special file or descriptor, written in place (never replaced). */
async function openInPlace(place: Exclude<OutputPlace, { kind: 'file' }>): Promise<Writable> {
  if (place.kind === 'special') {
    if (place.what === 'socket') return connectSocket(place.path);
    // O_NOFOLLOW: the last component was just seen not to be a symlink; keep it that way.
    const handle = await open(place.path, constants.O_WRONLY | constants.O_NOFOLLOW);
    return createWriteStream('', { fd: handle });
  }
  const st = await promisify(fstat)(place.fd);
  // A regular file behind the descriptor (`> file`, `>> file`): its own offset and O_APPEND.
  if (st.isFile()) return createWriteStream('', { fd: place.fd, autoClose: false });
  if (st.isSocket()) return new Socket({ fd: place.fd, readable: false, writable: true });
  // A pipe, tty or device: a new open file of our own, blocking whatever Node made the
  // descriptor it shares with process.stdout.
  return createWriteStream('', { fd: await open(place.path, constants.O_WRONLY) });
}

function connectSocket(path: string): Promise<Writable> {
  return new Promise((ok, fail) => {
    const socket = createConnection({ path });
    socket.once('connect', () => {
      socket.off('error', fail);
      ok(socket);
    });
    socket.once('error', fail);
  });
}

/**
 * A temporary file of an output, or one a format made beside it (`….tmp.cpio.member3`):
 * `.NAME.PID-HEX.tmp[.…]`, PID being the build's process.
 */
const TEMP_NAME = /^\..+\.([0-9]+)-[0-9a-f]{8}\.tmp(\..*)?$/;

/** Directories already swept by this process. */
const swept = new Set<string>();

/** Removes the temporary files in `dir` of builds whose process is gone. */
async function sweepStale(dir: string): Promise<void> {
  if (swept.has(dir)) return;
  swept.add(dir);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = TEMP_NAME.exec(name);
    if (m && !processAlive(Number(m[1]))) await rm(join(dir, name), { force: true, recursive: true });
  }
}

export class AtomicOutputs {
  /** Output path as given → its temporary file, and where that is renamed to (symlinks followed). */
  private readonly pending = new Map<string, { tmp: string; dest: string }>();
  private readonly stale: string[] = [];
  /** Errors raised by the output streams, and the output each belongs to. */
  private readonly writeErrors = new WeakMap<Error, string>();

  /**
   * A temporary path that becomes `finalPath` on commit(). `finalPath` must lead to a regular
   * file or nothing: the formats that use it rename, append and copy there.
   */
  async temp(finalPath: string): Promise<string> {
    const place = await locateOutput(finalPath);
    if (place.kind !== 'file') {
      throw new UserError(
        `cannot write the output ${finalPath}: it is ${place.kind === 'fd' ? 'a descriptor' : `a ${place.what}`}; this output can only be a regular file`,
      );
    }
    return this.tempFor(place.path, finalPath);
  }

  /** A temporary file beside `path` (the output `key` with its symlinks followed). */
  private async tempFor(path: string, key: string): Promise<string> {
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    await sweepStale(dir);
    const tmp = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    this.pending.set(key, { tmp, dest: path });
    return tmp;
  }

  /**
   * A stream for `finalPath`: a temporary file renamed on commit() for a regular file, the
   * target itself for a device, fifo, socket or descriptor (written now; nothing to rename).
   */
  async stream(finalPath: string, opts: { highWaterMark?: number } = {}): Promise<Writable> {
    const place = await locateOutput(finalPath);
    const out = place.kind === 'file' ? createWriteStream(await this.tempFor(place.path, finalPath), { mode: 0o644, ...opts }) : await openInPlace(place);
    out.on('error', (err: Error) => this.writeErrors.set(err, finalPath));
    return out;
  }

  /** Gives up an output that turned out not to exist in this build. */
  async forget(finalPath: string): Promise<void> {
    const p = this.pending.get(finalPath);
    if (p) await rm(p.tmp, { force: true });
    this.pending.delete(finalPath);
  }

  /** A file from an earlier build that this build must not leave beside its own outputs. */
  removeOnCommit(finalPath: string): void {
    this.stale.push(finalPath);
  }

  /** Renames every temporary file to its final name; returns the final paths. */
  async commit(): Promise<string[]> {
    const done: string[] = [];
    for (const [finalPath, { tmp, dest }] of this.pending) {
      await rename(tmp, dest);
      done.push(finalPath);
    }
    this.pending.clear();
    for (const p of this.stale) if (!done.includes(p)) await rm(p, { force: true });
    return done;
  }

  /** Removes every temporary file; safe to call after a partial commit. */
  async abort(): Promise<void> {
    await Promise.all([...this.pending.values()].map(({ tmp }) => rm(tmp, { force: true })));
    this.pending.clear();
  }

  /** Runs `body`, then commits, or aborts and rethrows if anything failed. */
  static async run<T>(body: (out: AtomicOutputs) => Promise<T>): Promise<string[]> {
    const out = new AtomicOutputs();
    try {
      await body(out);
      return await out.commit();
    } catch (err) {
      await out.abort();
      const output = err instanceof Error ? out.writeErrors.get(err) : undefined;
      // A full device, a closed pipe: the user's to fix, said once, naming the output.
      if (output !== undefined) throw new UserError(`cannot write the output ${output}: ${(err as Error).message}`);
      throw err;
    }
  }
}

/**
 * Writes a whole output that is not a format's (a report, a page, a chart) the way every output
 * is written: a regular file through a temporary file and a rename, a device, fifo or descriptor
 * in place, a missing parent made, a directory or a write error reported as the user's.
 */
export async function writeOutputFile(path: string, data: string | Buffer): Promise<void> {
  await AtomicOutputs.run(async (out) => pipeline(Readable.from([Buffer.from(data)]), await out.stream(path)));
}
