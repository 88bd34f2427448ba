// Files that appear whole or not at all: write a temp file next to the target, fsync, rename.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A fresh, unused temp file name in `dir` (the dir is created when missing). */
export async function tempName(dir: string, hint: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  return join(dir, `${hint}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Replaces `target` with `data` atomically: readers see the old or the new file, never a mix. */
export async function writeFileAtomic(target: string, data: string | Buffer, tempDir: string, mode = 0o644): Promise<void> {
  const tmp = await tempName(tempDir, 'file');
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
