import { stat } from 'node:fs/promises';

// "Is there something at this path?" without swallowing the errors that mean something else.
// Only ENOENT (no such file) and ENOTDIR (a parent is not a directory) say "nothing there";
// EACCES, EIO, ELOOP, EMFILE… are real problems and reach the caller.

/** True when `err` says there is nothing at the path (ENOENT, ENOTDIR). */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** `p`'s value, or undefined when the path is missing; any other error is thrown. */
export async function ifExists<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** `f()`, or undefined when the path it reads is missing; any other error is thrown. */
export function ifExistsSync<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** Whether something is at `path` (following symlinks); errors other than "missing" are thrown. */
export async function pathExists(path: string): Promise<boolean> {
  return (await ifExists(stat(path))) !== undefined;
}
