// Bounding a directory of cache files (the initrd member cache, the unpacked-layer cache): the
// least recently used files go first. "Used" is the file's mtime, which a cache bumps when it
// hands a file out. Each data file may have a small companion (its checksum or size) that goes
// with it; files ending in `.tmp` are being written, and are only removed once a day old (what a
// build that died left behind).
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const LEFTOVER_AGE_MS = 24 * 3600 * 1000;
/** Suffix of files still being written (renamed into place when complete). */
export const TEMP_SUFFIX = '.tmp';

/**
 * Deletes the least recently used data files of `dir` (and their `name + companionSuffix`
 * companions) until the data files take at most `maxBytes`. Never throws: pruning is
 * housekeeping, and a missing directory is an empty one.
 */
export async function pruneLeastRecentlyUsed(dir: string, maxBytes: number, companionSuffix: string): Promise<void> {
  try {
    const files: Array<{ path: string; size: number; mtime: number }> = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (!st) continue;
      if (name.endsWith(TEMP_SUFFIX)) {
        if (Date.now() - st.mtimeMs > LEFTOVER_AGE_MS) await rm(join(dir, name), { force: true });
        continue;
      }
      if (!name.endsWith(companionSuffix)) files.push({ path: join(dir, name), size: st.size, mtime: st.mtimeMs });
    }
    let total = files.reduce((n, f) => n + f.size, 0);
    files.sort((a, b) => a.mtime - b.mtime);
    for (const f of files) {
      if (total <= maxBytes) break;
      await rm(f.path, { force: true });
      await rm(f.path + companionSuffix, { force: true });
      total -= f.size;
    }
  } catch {
    // never fail a build over housekeeping
  }
}
