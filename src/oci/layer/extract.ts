// Unpacking entries into a directory on the host (`cache export --format filesystem` to a
// directory), with every write kept inside the root:
// - paths with `..` that climb out are refused when the tar is read (entry.ts);
// - parent directories are resolved inside the root, symlink by symlink, with chroot semantics
//   (an absolute or climbing symlink target is taken relative to the root), so writing
//   `lib/x` where `lib -> /usr/lib` lands in <root>/usr/lib/x, never in the host's /usr/lib;
// - the last component is never followed: an existing symlink there is replaced, not written through;
// - hard link targets are resolved the same way, so they cannot name a file outside the root.
// Directory modes and times are applied last, so a read-only directory does not block its files.
// By then a later entry may have turned the directory, or one of its parents, into a symlink to
// a host path (a crafted image did chmod 7777 a host binary that way): the directory is opened
// without following a last symlink and applied through that descriptor only if it is still the
// very inode this extraction made (device and inode compared), so a path that now leads
// anywhere else is left alone.
// Extracting into a directory that already holds files: existing directories are merged into and
// existing non-directories replaced, as tar does, but a directory this extraction did not make is
// never removed to make room for an entry of another type: that is refused (GNU tar refuses it
// too, "Cannot open: File exists").
import { spawn, type StdioOptions } from 'node:child_process';
import { constants, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readlink, rm, symlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';
import type { TarEntry } from '../../tar/index.js';
import { ifExists } from '../../util/index.js';

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

/**
 * Makes room for `entry` at `p`: removes what is there unless it is a directory and the entry
 * is one too. A directory is removed only if this extraction made it (`made`); one that was in
 * the target directory before is the user's, and is refused rather than deleted.
 */
async function clear(p: string, entry: TarEntry, made: ReadonlySet<string>): Promise<void> {
  const st = await ifExists(lstat(p));
  if (!st) return;
  if (st.isDirectory()) {
    if (entry.type === 'directory') return;
    if (!made.has(p)) {
      throw new UserError(
        `${entry.path}: the image has a ${entry.type} here, but ${p} is already a directory that was not made by this export; not replacing it (export into an empty directory, or move it away first)`,
      );
    }
  }
  await rm(p, { recursive: true, force: true });
}

/** `mkdir -p dir`, adding each directory it made to `made`. */
async function mkdirs(dir: string, made: Set<string>): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; d.length >= first.length; d = dirname(d)) made.add(d);
}

function run(cmd: string, args: string[], fd?: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const stdio: StdioOptions = fd === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'ignore', 'pipe', fd];
    const child = spawn(cmd, args, { stdio });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd}: ${err.trim() || `exit ${code}`}`))));
  });
}

/**
 * Sets xattrs with `setfattr` (Node has no setxattr): values in hex so binary ones such as
 * security.capability survive; `-h` so a symlink itself is labelled, never its target. Given an
 * open `handle`, the file it holds is labelled, whatever its path now leads to: setfattr gets it
 * as its fd 3 and names it /proc/self/fd/3 (followed, which for that link means the open file).
 * Returns false when any could not be set.
 */
async function setXattrs(target: string, xattrs: Record<string, Buffer>, handle?: FileHandle): Promise<boolean> {
  let ok = true;
  for (const [name, value] of Object.entries(xattrs)) {
    try {
      const hex = `0x${value.toString('hex')}`;
      if (handle) await run('setfattr', ['-n', name, '-v', hex, '/proc/self/fd/3'], handle.fd);
      else await run('setfattr', ['-h', '-n', name, '-v', hex, target]);
    } catch (err) {
      log.debug(`cannot set xattr ${name} on ${target}: ${(err as Error).message}`);
      ok = false;
    }
  }
  return ok;
}

/** Writes `entries` under `root` (created if missing). Returns the number of entries written. */
export async function extractToDirectory(entries: AsyncIterable<TarEntry>, root: string, opts: ExtractOptions = {}): Promise<number> {
  const made = new Set<string>();
  await mkdirs(root, made);
  const chown = opts.chown ?? process.getuid?.() === 0;
  const dirs: MadeDir[] = [];
  let skippedSpecial = 0;
  let skippedXattrs = 0;
  let count = 0;
  for await (const entry of entries) {
    if (entry.path === '' && entry.type !== 'directory') throw new UserError(`the image has a ${entry.type} as its root directory; refusing it`);
    let target: string;
    try {
      target = await resolveInRoot(root, entry.path);
    } catch (err) {
      // As build does (confine.ts): the entry is left out, the rest goes on.
      if (!(err instanceof SymlinkLoop)) throw err;
      log.warn(`${entry.path} is left out: it leads through a loop of symlinks`);
      continue;
    }
    await mkdirs(target.slice(0, target.lastIndexOf(sep)), made);
    if (entry.type !== 'link') await clear(target, entry, made);
    switch (entry.type) {
      case 'directory': {
        await mkdirs(target, made);
        const st = await lstat(target);
        dirs.push({ path: target, dev: st.dev, ino: st.ino, entry });
        break;
      }
      case 'file':
        await pipeline(entry.body, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
        break;
      case 'symlink':
        await symlink(entry.linkname ?? '', target);
        break;
      case 'link': {
        const source = await resolveInRoot(root, entry.linkname!);
        const st = await ifExists(lstat(source));
        if (!st) throw new UserError(`hard link ${entry.path} points at ${entry.linkname}, which does not exist`);
        if (st.isDirectory()) throw new UserError(`hard link ${entry.path} points at a directory (${entry.linkname}); refusing it`);
        await clear(target, entry, made);
        await link(source, target);
        break;
      }
      case 'fifo':
      case 'character-device':
      case 'block-device':
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
    if (entry.type !== 'directory') made.add(target);
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
  for (const dir of dirs.reverse()) {
    const applied = await applyDirMetadata(dir, chown);
    if (applied === 'xattrs-skipped') skippedXattrs++;
  }
  if (skippedSpecial) log.warn(`${skippedSpecial} device node(s)/fifo(s) could not be created (not root?); they were skipped`);
  if (skippedXattrs)
    log.warn(`extended attributes of ${skippedXattrs} entries could not be set (is "setfattr" from Debian's attr installed? root for security.*?)`);
  return count;
}

/** A directory this extraction made or merged into, and the inode it was then. */
interface MadeDir {
  path: string;
  dev: number;
  ino: number;
  entry: TarEntry;
}

/**
 * Gives `dir` its entry's owner, mode, xattrs and time, through a descriptor of the directory
 * itself: O_NOFOLLOW refuses a symlink at the path, and the inode check refuses a path that a
 * symlinked parent now leads elsewhere. Either way the directory was replaced by a later entry
 * of the image, so its metadata applies to nothing and is dropped.
 */
async function applyDirMetadata(dir: MadeDir, chown: boolean): Promise<'done' | 'replaced' | 'xattrs-skipped'> {
  const { entry } = dir;
  let handle: FileHandle;
  try {
    handle = await open(dir.path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'ENOTDIR' && code !== 'ENOENT') throw err;
    log.debug(`${entry.path}: no longer the directory the image made (${code}); its metadata is not applied`);
    return 'replaced';
  }
  try {
    const st = await handle.stat();
    if (st.dev !== dir.dev || st.ino !== dir.ino) {
      log.debug(`${entry.path}: now leads to another directory; its metadata is not applied`);
      return 'replaced';
    }
    if (chown) await handle.chown(entry.uid, entry.gid).catch(() => undefined);
    await handle.chmod(entry.mode);
    const xattrsOk = !Object.keys(entry.xattrs).length || (await setXattrs(dir.path, entry.xattrs, handle));
    await handle.utimes(entry.mtime, entry.mtime);
    return xattrsOk ? 'done' : 'xattrs-skipped';
  } finally {
    await handle.close();
  }
}
