// All-or-nothing output files: each output is written under a hidden temporary name in its
// final directory (so the rename is atomic, same file system), and renamed only when every
// output of the format is complete. On failure every temporary file is removed, and earlier
// outputs with the same names are left untouched. A build killed outright (SIGKILL, a power cut)
// cannot clean up: the next build into the same directory removes what it left.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '../util/process-alive.js';

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
  private readonly pending = new Map<string, string>(); // final path → temporary path
  private readonly stale: string[] = [];

  /** A temporary path that becomes `finalPath` on commit(). */
  async temp(finalPath: string): Promise<string> {
    const dir = dirname(finalPath);
    await mkdir(dir, { recursive: true });
    await sweepStale(dir);
    const tmp = join(dir, `.${basename(finalPath)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    this.pending.set(finalPath, tmp);
    return tmp;
  }

  /** Gives up an output that turned out not to exist in this build. */
  async forget(finalPath: string): Promise<void> {
    const tmp = this.pending.get(finalPath);
    if (tmp) await rm(tmp, { force: true });
    this.pending.delete(finalPath);
  }

  /** A file from an earlier build that this build must not leave beside its own outputs. */
  removeOnCommit(finalPath: string): void {
    this.stale.push(finalPath);
  }

  /** Renames every temporary file to its final name; returns the final paths. */
  async commit(): Promise<string[]> {
    const done: string[] = [];
    for (const [finalPath, tmp] of this.pending) {
      await rename(tmp, finalPath);
      done.push(finalPath);
    }
    this.pending.clear();
    for (const p of this.stale) if (!done.includes(p)) await rm(p, { force: true });
    return done;
  }

  /** Removes every temporary file; safe to call after a partial commit. */
  async abort(): Promise<void> {
    await Promise.all([...this.pending.values()].map((tmp) => rm(tmp, { force: true })));
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
      throw err;
    }
  }
}
