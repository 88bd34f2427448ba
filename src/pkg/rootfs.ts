// A file tree being assembled for one image layer: metadata in memory, file contents in a
// staging directory on disk (never in memory). Written out as ONE deterministic tar: entries
// sorted by path, parents implied as 0755 root directories, every mtime the same
// (SOURCE_DATE_EPOCH or 0), owners as the .deb recorded them (else 0), no atime/ctime, no names.
import { spawn } from 'node:child_process';
import { copyFileSync, createReadStream, createWriteStream, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { normalizeEntryPath, readRawTar, tarStream, type TarHeader, type TarItem } from '../tar/index.js';
import { UserError } from '../util/index.js';
import { envSourceDateEpoch } from '../util/index.js';

export interface FsEntry {
  path: string; // relative, no leading "/" or "./", no trailing "/"
  type: 'file' | 'directory' | 'symlink';
  mode: number; // permission bits incl. setuid/setgid/sticky
  uid: number;
  gid: number;
  linkname?: string;
  size: number;
  /** The staging file holding a regular file's contents. */
  content?: string;
}

/** SOURCE_DATE_EPOCH when set (seconds), else 0: the one timestamp every entry gets. */
export function sourceDateEpoch(): number {
  return envSourceDateEpoch() ?? 0;
}

export class Rootfs {
  readonly entries = new Map<string, FsEntry>();
  private readonly staging: string;
  private counter = 0;

  constructor() {
    this.staging = mkdtempSync(join(tmpdir(), 'linuxkit-pkg-'));
  }

  dispose(): void {
    rmSync(this.staging, { recursive: true, force: true });
  }

  /** A fresh file path in the staging directory, for contents written by the caller. */
  stagingFile(): string {
    return join(this.staging, String(this.counter++));
  }

  private ensureParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const e = this.entries.get(dir);
      if (!e) this.entries.set(dir, { path: dir, type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0 });
      else if (e.type !== 'directory') throw new UserError(`/${dir} is a ${e.type}, but /${path} needs it to be a directory`);
    }
  }

  /** Adds or replaces an entry; a directory that already exists keeps its first metadata. */
  set(entry: FsEntry): void {
    const path = normalizeEntryPath(entry.path, 'path');
    if (path === '') return;
    this.ensureParents(path);
    const old = this.entries.get(path);
    if (old?.type === 'directory' && entry.type === 'directory') return;
    if (old?.type === 'directory') this.remove(path);
    this.entries.set(path, { ...entry, path });
  }

  addFile(path: string, source: string, mode: number, uid = 0, gid = 0): void {
    const content = this.stagingFile();
    copyFileSync(source, content);
    this.set({ path, type: 'file', mode, uid, gid, size: lstatSync(content).size, content });
  }

  addSymlink(path: string, target: string): void {
    this.set({ path, type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: target });
  }

  /** Removes a path and everything under it; a missing path is fine. */
  remove(path: string): void {
    const p = normalizeEntryPath(path, 'path');
    for (const key of [...this.entries.keys()]) {
      if (key === p || key.startsWith(p + '/')) this.entries.delete(key);
    }
  }

  /** Copies a directory tree from disk (owners 0, modes as on disk) under `prefix`. */
  addTree(dir: string, prefix: string): void {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const path = prefix ? `${prefix}/${name}` : name;
      const st = lstatSync(full);
      if (st.isDirectory()) {
        this.set({ path, type: 'directory', mode: st.mode & 0o7777, uid: 0, gid: 0, size: 0 });
        this.addTree(full, path);
      } else if (st.isSymbolicLink()) {
        this.addSymlink(path, readlinkSync(full));
      } else if (st.isFile()) {
        this.addFile(path, full, st.mode & 0o7777);
      }
    }
  }

  /** Unpacks a tar stream (e.g. `dpkg-deb --fsys-tarfile`) into the tree. */
  async addTar(source: Readable, origin: string): Promise<void> {
    for await (const { header: h, body } of readRawTar(source)) {
      const path = normalizeEntryPath(h.name, `${origin}: tar entry`);
      const base = { path, mode: (h.mode ?? 0o644) & 0o7777, uid: h.uid ?? 0, gid: h.gid ?? 0, size: 0 };
      if (h.type === 'file' || h.type === 'contiguous-file') {
        const content = this.stagingFile();
        await pipeline(body, createWriteStream(content));
        this.set({ ...base, type: 'file', size: h.size ?? 0, content });
        continue;
      }
      if (h.type === 'directory') this.set({ ...base, type: 'directory' });
      else if (h.type === 'symlink') this.set({ ...base, type: 'symlink', mode: 0o777, linkname: h.linkname ?? '' });
      else if (h.type === 'link') {
        // Hard links become copies: sorted output could otherwise put a link before its target.
        const target = this.entries.get(normalizeEntryPath(h.linkname ?? '', `${origin}: hard link target`));
        if (!target?.content) throw new UserError(`${origin}: hard link ${path} to missing ${h.linkname}`);
        const content = this.stagingFile();
        copyFileSync(target.content, content);
        this.set({ ...target, ...base, type: 'file', size: target.size, content });
      } else {
        throw new UserError(`${origin}: ${path} is a ${h.type}, which an image layer here cannot hold`);
      }
    }
  }

  /** Every entry, sorted bytewise by path (so a directory comes before what it holds). */
  sorted(): FsEntry[] {
    return [...this.entries.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  }

  /** Total bytes of regular file content. */
  contentSize(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.size;
    return n;
  }

  /** The tree as one deterministic tar stream. */
  tarStream(): Readable {
    const mtime = new Date(sourceDateEpoch() * 1000);
    const entries = this.sorted();
    return tarStream(
      entries.map((e): TarItem => {
        const header: TarHeader = {
          name: e.type === 'directory' ? `${e.path}/` : e.path,
          mode: e.mode,
          uid: e.uid,
          gid: e.gid,
          uname: '',
          gname: '',
          mtime,
          type: e.type,
          size: e.type === 'file' ? e.size : 0,
          linkname: e.linkname ?? '',
          devmajor: 0,
          devminor: 0,
        };
        return { header, data: e.type === 'file' ? () => createReadStream(e.content!) : undefined };
      }),
    );
  }
}

/** Unpacks the data part of a .deb (`dpkg-deb --fsys-tarfile`: xz, zstd, gzip alike) into `fs`. */
export async function addDeb(fs: Rootfs, debFile: string): Promise<void> {
  const child = spawn('dpkg-deb', ['--fsys-tarfile', debFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolveP, reject) => {
    child.on('error', (e) => reject(new UserError(`cannot run dpkg-deb: ${e.message}`, undefined, { cause: e })));
    child.on('close', (code) =>
      code === 0 ? resolveP() : reject(new UserError(`dpkg-deb --fsys-tarfile ${debFile} failed: ${err.trim()}`)),
    );
  });
  await Promise.all([fs.addTar(child.stdout, debFile), exited]);
}
