// The hash that names a package's sources (its default tag), as LinuxKit computes it
// (lk:src/cmd/linuxkit/pkglib/git.go, pkglib.go):
//  - inside a git work tree: the tree hash of the package directory at --hash-commit (HEAD);
//    if the directory has uncommitted changes (or --force-dirty), "-dirty-" and the first 7 hex
//    digits of a sha256 over the contents of its tracked and untracked files are appended;
//  - outside git (LinuxKit gives up and tags "latest"): the git tree hash the directory WOULD
//    have if it were committed, computed here without git. Same files → same hash, and it is the
//    same hash as inside git once the directory is committed unchanged.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { ifExistsSync } from '../util/index.js';

export function git(dir: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  log.debug(`git -C ${dir} ${args.join(' ')}`);
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  if (r.error) throw new UserError(`cannot run git: ${r.error.message}`, undefined, { cause: r.error });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function isGitWorkTree(dir: string): boolean {
  return gitTopLevel(dir) !== undefined;
}

/** The top of the git work tree `dir` is in; undefined outside one. */
export function gitTopLevel(dir: string): string | undefined {
  const r = git(dir, ['rev-parse', '--is-inside-work-tree', '--show-toplevel']);
  const [inside, top] = r.stdout.split('\n');
  return r.status === 0 && inside === 'true' && top ? top : undefined;
}

/**
 * Where package directory `dir` stands in git: undefined outside a work tree, else the tree
 * hash of `path` (`dir` or a parent) at `commit` (undefined when it is not in that commit). Each git process costs
 * `pkg show-tag` ~15 ms of CPU, and LinuxKit's Makefiles run show-tag once per package, so the
 * common case (the package's own directory, a plain commit name) asks git once, for both.
 */
export function gitPackageTree(dir: string, path: string, commit: string): { tree: string | undefined } | undefined {
  // `<commit>:./` is the tree at `commit` of the directory git runs in; a name with `..` or `:`
  // would read as a range or a path, so those take the long way.
  if (path === dir && /^[\w/@^~.-]+$/.test(commit) && !commit.includes('..') && !commit.startsWith('-')) {
    const r = git(dir, ['rev-parse', '--is-inside-work-tree', '--show-toplevel', `${commit}:./`]);
    const [inside, , tree] = r.stdout.split('\n');
    if (r.status === 0 && inside === 'true' && tree && /^[0-9a-f]{40,64}$/.test(tree)) return { tree };
  }
  const top = gitTopLevel(dir);
  return top === undefined ? undefined : { tree: gitTreeHash(dir, path, commit, top) };
}

/** The tree hash of `path` at `commit` (LinuxKit's treeHash); undefined if it is not in git there. */
export function gitTreeHash(dir: string, path: string, commit: string, top = gitTopLevel(dir)): string | undefined {
  if (top === undefined) throw new UserError(`${dir} is not in a git work tree`);
  if (resolve(top) === resolve(path)) {
    const r = git(dir, ['show', '--format=%T', '-s', commit]);
    if (r.status !== 0) throw new UserError(`git show ${commit} failed: ${r.stderr.trim()}`);
    return r.stdout.trim();
  }
  const r = git(dir, ['ls-tree', '--full-tree', commit, '--', path]);
  if (r.status !== 0) throw new UserError(`git ls-tree ${commit} failed: ${r.stderr.trim()}`);
  if (r.stdout === '') return undefined;
  const m = /^[0-7]{6} [^ ]+ ([0-9a-f]{40})\t.+\n$/.exec(r.stdout);
  if (!m) throw new UserError(`unable to parse git ls-tree output: ${JSON.stringify(r.stdout)}`);
  return m[1];
}

/** LinuxKit's isDirty: changes to tracked files, or untracked (not ignored) files, under `path`. */
export function gitIsDirty(dir: string, path: string, commit: string): boolean {
  if (commit !== 'HEAD') return false;
  // One process for the common case: nothing staged, changed or untracked under `path` means
  // clean for LinuxKit's two checks too (HEAD = index = work tree, no untracked file). Without
  // optional locks, status does not rewrite the index. Anything listed: LinuxKit's own checks.
  const status = git(dir, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal', '--', path]);
  if (status.status === 0 && status.stdout === '') return false;
  const diff = git(dir, ['diff', '--no-ext-diff', '--exit-code', '--quiet', commit, '--', path]);
  if (diff.status === 1) return true;
  if (diff.status !== 0) throw new UserError(`git diff failed: ${diff.stderr.trim()}`);
  const untracked = git(dir, ['ls-files', '--exclude-standard', '--others', '--error-unmatch', '--', path]);
  return untracked.status === 0;
}

/**
 * LinuxKit's contentHash: sha256 over the bytes of every tracked then untracked file under
 * `dir` (as `git ls-files` lists them), skipping directories, symlinks and deleted files.
 */
export function gitContentHash(dir: string): string {
  const tracked = git(dir, ['ls-files']).stdout;
  const untracked = git(dir, ['ls-files', '--exclude-standard', '--others']).stdout;
  const h = createHash('sha256');
  const names = [tracked, untracked].join('\n').trim().split('\n');
  for (const name of names) {
    const file = join(dir, name);
    const st = ifExistsSync(() => lstatSync(file));
    if (!st) continue;
    if (st.isDirectory() || st.isSymbolicLink()) continue;
    hashFileInto(h, file);
  }
  return h.digest('hex');
}

function hashFileInto(h: ReturnType<typeof createHash>, file: string): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The git tree hash of a directory on disk, computed without git: blobs are
 * sha1("blob <size>\0" + content), symlinks are blobs of their target (mode 120000), executable
 * files get mode 100755, others 100644; trees are sha1("tree <size>\0" + entries), entries
 * "<mode> <name>\0<20-byte sha1>" sorted as git sorts them (a directory as "name/"). Empty
 * directories vanish, as in git. `.git` is skipped; nothing else is ignored (no .gitignore).
 */
export function directoryTreeHash(dir: string): string {
  const hash = treeHashOf(dir);
  // An empty directory has git's well-known empty tree hash.
  return hash ?? gitObjectHash('tree', Buffer.alloc(0));
}

function gitObjectHash(type: string, body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

function treeHashOf(dir: string): string | undefined {
  const entries: Array<{ sortKey: string; mode: string; name: string; hash: string }> = [];
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue;
    const full = join(dir, name);
    const st = lstatSync(full);
    if (st.isDirectory()) {
      const sub = treeHashOf(full);
      if (sub) entries.push({ sortKey: `${name}/`, mode: '40000', name, hash: sub });
    } else if (st.isSymbolicLink()) {
      entries.push({ sortKey: name, mode: '120000', name, hash: gitObjectHash('blob', Buffer.from(readlinkSync(full))) });
    } else if (st.isFile()) {
      const h = createHash('sha1').update(`blob ${st.size}\0`);
      hashFileInto(h, full);
      entries.push({ sortKey: name, mode: st.mode & 0o111 ? '100755' : '100644', name, hash: h.digest('hex') });
    }
  }
  if (entries.length === 0) return undefined;
  // git compares names bytewise (memcmp), with directories compared as if ending in '/'.
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)));
  const body = Buffer.concat(
    entries.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.hash, 'hex')]),
  );
  return gitObjectHash('tree', body);
}

/**
 * The sha256 over the contents of every file under `dir` in sorted path order, for the -dirty
 * suffix outside git (LinuxKit has none there).
 */
export function directoryContentHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    const names = readdirSync(d).filter((n) => n !== '.git').sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const n of names) {
      const full = join(d, n);
      const st = lstatSync(full);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) hashFileInto(h, full);
    }
  };
  walk(dir);
  return h.digest('hex');
}
