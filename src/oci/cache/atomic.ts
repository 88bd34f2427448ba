// Files that appear whole or not at all: write a temp file next to the target, fsync, rename.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A fresh, unused temp file name in `dir` (the dir is created when missing). */
export async function tempName(dir: string, hint: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return join(dir, `${hint}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Replaces `target` with `data` atomically: readers see the old or the new file, never a mix. */
export async function writeFileAtomic(target: string, data: string | Buffer, tempDir: string, mode = 0o644): Promise<void> {
  await viaTemp(data, tempDir, mode, (tmp) => rename(tmp, target));
}

/**
 * Creates `target` whole with `data` unless it exists (then leaves it as it is): a hard link
 * never replaces a file, so this needs no lock against a process writing `target` meanwhile.
 */
export async function createFileAtomic(target: string, data: string | Buffer, tempDir: string, mode = 0o644): Promise<void> {
  await viaTemp(data, tempDir, mode, async (tmp) => {
    try {
      await link(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await rm(tmp, { force: true });
  });
}

/** Writes `data` to a new temp file in `tempDir`, fsynced, and hands it to `place`. */
async function viaTemp(data: string | Buffer, tempDir: string, mode: number, place: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = await tempName(tempDir, 'file');
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await place(tmp);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
