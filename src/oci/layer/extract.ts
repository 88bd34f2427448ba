// Unpacking entries into a directory on the host (`cache export --format filesystem` to a
// directory), with every write kept inside the root:
// - paths with `..` that climb out are refused when the tar is read (entry.ts);
// - parent directories are resolved inside the root, symlink by symlink, with chroot semantics
//   (an absolute or climbing symlink target is taken relative to the root), so writing
//   `lib/x` where `lib -> /usr/lib` lands in <root>/usr/lib/x, never in the host's /usr/lib;
// - the last component is never followed: an existing symlink there is replaced, not written through;
// - hard link targets are resolved the same way, so they cannot name a file outside the root.
// Directory modes and times are applied last, so a read-only directory does not block its files.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../util/errors.js';
import { log } from '../../util/log.js';
import type { TarEntry } from './entry.js';
import { ifExists } from '../../util/missing.js';

const MAX_SYMLINKS = 255;

/** A path that leads through a loop of symlinks: it can name nothing. */
export class SymlinkLoop extends UserError {}

export interface ExtractOptions {
  /** Set owners from the entries (default: only when running as root). */
  chown?: boolean;
}

/**
 * The host path for `rel` inside `root`, following symlinks in the parent components (and in
 * the last one when `followLast`) as if `root` were `/`. The result is always inside `root`.
 */
export async function resolveInRoot(root: string, rel: string, followLast = false): Promise<string> {
  let queue = rel.split('/');
  let resolved: string[] = [];
  let follows = 0;
  while (queue.length) {
    const part = queue.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    if (queue.length === 0 && !followLast) {
      resolved.push(part);
      break;
    }
    const host = join(root, ...resolved, part);
    // Missing: it does not exist yet and will be created as a directory.
    const isLink = (await ifExists(lstat(host)))?.isSymbolicLink() ?? false;
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++follows > MAX_SYMLINKS) throw new SymlinkLoop(`too many levels of symbolic links resolving ${rel}`);
    const target = await readlink(host);
    if (target.startsWith('/')) resolved = [];
    queue = [...target.split('/'), ...queue];
  }
  const out = join(root, ...resolved);
  if (out !== root && !out.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new UserError(`internal error: ${rel} resolved outside ${root}`);
  }
  return out;
}

/** Removes whatever is at `p` unless it is a directory and `keepDir`. */
async function clear(p: string, keepDir: boolean): Promise<void> {
  const st = await ifExists(lstat(p));
  if (!st || (keepDir && st.isDirectory())) return;
  await rm(p, { recursive: true, force: true });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd}: ${err.trim() || `exit ${code}`}`))));
  });
}

/**
 * Sets xattrs with `setfattr` (Node has no setxattr): values in hex so binary ones such as
 * security.capability survive; `-h` so a symlink itself is labelled, never its target.
 * Returns false when any could not be set.
 */
async function setXattrs(target: string, xattrs: Record<string, Buffer>): Promise<boolean> {
  let ok = true;
  for (const [name, value] of Object.entries(xattrs)) {
    try {
      await run('setfattr', ['-h', '-n', name, '-v', `0x${value.toString('hex')}`, target]);
    } catch (err) {
      log.debug(`cannot set xattr ${name} on ${target}: ${(err as Error).message}`);
      ok = false;
    }
  }
  return ok;
}

/** Writes `entries` under `root` (created if missing). Returns the number of entries written. */
export async function extractToDirectory(entries: AsyncIterable<TarEntry>, root: string, opts: ExtractOptions = {}): Promise<number> {
  await mkdir(root, { recursive: true });
  const chown = opts.chown ?? process.getuid?.() === 0;
  const dirs: Array<{ path: string; entry: TarEntry }> = [];
  let skippedSpecial = 0;
  let skippedXattrs = 0;
  let count = 0;
  for await (const entry of entries) {
    let target: string;
    try {
      target = await resolveInRoot(root, entry.path);
    } catch (err) {
      // As build does (confine.ts): the entry is left out, the rest goes on.
      if (!(err instanceof SymlinkLoop)) throw err;
      log.warn(`${entry.path} is left out: it leads through a loop of symlinks`);
      continue;
    }
    const parent = target.slice(0, target.lastIndexOf(sep));
    await mkdir(parent, { recursive: true });
    switch (entry.type) {
      case 'directory':
        await clear(target, true);
        await mkdir(target, { recursive: true, mode: 0o700 });
        dirs.push({ path: target, entry });
        break;
      case 'file':
        await clear(target, false);
        await pipeline(entry.body, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
        break;
      case 'symlink':
        await clear(target, false);
        await symlink(entry.linkname ?? '', target);
        break;
      case 'link': {
        const source = await resolveInRoot(root, entry.linkname!);
        const st = await ifExists(lstat(source));
        if (!st) throw new UserError(`hard link ${entry.path} points at ${entry.linkname}, which does not exist`);
        if (st.isDirectory()) throw new UserError(`hard link ${entry.path} points at a directory (${entry.linkname}); refusing it`);
        await clear(target, false);
        await link(source, target);
        break;
      }
      case 'fifo':
      case 'character-device':
      case 'block-device':
        await clear(target, false);
        try {
          if (entry.type === 'fifo') await run('mkfifo', ['-m', '600', target]);
          else await run('mknod', ['-m', '600', target, entry.type === 'block-device' ? 'b' : 'c', String(entry.devmajor ?? 0), String(entry.devminor ?? 0)]);
        } catch (err) {
          skippedSpecial++;
          log.debug(`cannot create ${entry.type} ${entry.path}: ${(err as Error).message}`);
          continue;
        }
        break;
    }
    count++;
    // A hard link shares its target's inode: its own header's metadata must not overwrite it.
    if (entry.type === 'directory' || entry.type === 'link') continue;
    // Owner before mode: chown clears setuid/setgid bits.
    if (chown) await lchown(target, entry.uid, entry.gid).catch(() => undefined);
    if (entry.type !== 'symlink') await chmod(target, entry.mode);
    // After chown, which would clear security.capability.
    if (Object.keys(entry.xattrs).length && !(await setXattrs(target, entry.xattrs))) skippedXattrs++;
    await lutimes(target, entry.mtime, entry.mtime).catch(() => undefined);
  }
  // Deepest first, so setting a parent's time is not undone by work on its children.
  for (const { path, entry } of dirs.reverse()) {
    if (chown) await lchown(path, entry.uid, entry.gid).catch(() => undefined);
    await chmod(path, entry.mode);
    if (Object.keys(entry.xattrs).length && !(await setXattrs(path, entry.xattrs))) skippedXattrs++;
    await utimes(path, entry.mtime, entry.mtime);
  }
  if (skippedSpecial) log.warn(`${skippedSpecial} device node(s)/fifo(s) could not be created (not root?); they were skipped`);
  if (skippedXattrs) log.warn(`extended attributes of ${skippedXattrs} entries could not be set (is "setfattr" from Debian's attr installed? root for security.*?)`);
  return count;
}
