// A root filesystem from the tar stream, made into xorriso commands: the ISO formats' one pass
// over the stream. Nothing of the image is unpacked as a tree on the host: each regular file's
// data goes into a staging directory under a name of ours (a counter), and the ISO's paths,
// directories, symlinks, owners, modes and times are xorriso commands that act inside the ISO.
// So no name or symlink from the image can make xorriso (or anything else) read or write a
// host path other than our own staging files. Hard links map the same staging file twice
// (xorriso's -hardlinks on records them as one inode). Device nodes need mknod on the host:
// they are staged when we may make them (root), otherwise left out with a warning (devtmpfs
// provides /dev at boot in a LinuxKit machine).
//
// Commands are written to a file read by -options_from_file, every word double-quoted with
// each byte outside a safe set as \xHH (-backslash_codes in_double_quotes): any byte of a
// name except NUL survives, and nothing in a name is syntax.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { execFile } from 'node:child_process';
import { chmod, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { recordName, type TarRecord } from '../tar/index.js';
import { log, UserError } from '../util/index.js';

interface Attrs {
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
}

type Node = ({ kind: 'file'; stage: string } & Attrs) | ({ kind: 'dir' } & Attrs) | ({ kind: 'symlink'; target: string } & Attrs);

/** xorriso reads at most 4095 bytes per command (longer ones fail as an "open quotation"). */
const MAX_LINE = 4000;

export class IsoTree {
  private readonly nodes = new Map<string, Node>();
  private next = 0;
  private skippedDevices = 0;

  /** `epoch`: the time of directories the image implies but does not list (xorriso would stamp them now). */
  constructor(
    private readonly stageDir: string,
    private readonly epoch: number,
  ) {}

  /** Adds one record of the root filesystem (its data is read here). */
  async add(rec: TarRecord): Promise<void> {
    const h = rec.header;
    const path = rec.name === '.' ? '/' : `/${rec.name}`;
    const attrs: Attrs = { mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime: Math.floor(h.mtime.getTime() / 1000) };
    switch (h.type) {
      case 'directory':
        this.nodes.set(path, { kind: 'dir', ...attrs });
        return;
      case 'symlink':
        this.nodes.set(path, { kind: 'symlink', target: h.linkname ?? '', ...attrs });
        return;
      case 'link': {
        const target = this.nodes.get(`/${recordName(h.linkname ?? '')}`);
        if (target?.kind !== 'file') {
          log.warn(`ISO: hard link ${rec.name} to ${h.linkname}, which is not a file before it in the image; left out`);
          return;
        }
        this.nodes.set(path, { ...target });
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        const stage = this.stagePath();
        try {
          // Node has no mknod(2): coreutils' programs, with our own path only.
          if (h.type === 'fifo') await promisify(execFile)('mkfifo', [stage]);
          else await promisify(execFile)('mknod', [stage, h.type === 'block-device' ? 'b' : 'c', String(h.devmajor), String(h.devminor)]);
        } catch {
          this.skippedDevices++;
          return;
        }
        await this.finishStage(stage, attrs);
        this.nodes.set(path, { kind: 'file', stage, ...attrs });
        return;
      }
      default: {
        const stage = this.stagePath();
        const out = createWriteStream(stage, { flags: 'wx', mode: 0o600 });
        for await (const b of rec.body) if (!out.write(b)) await once(out, 'drain');
        out.end();
        await once(out, 'close');
        await this.finishStage(stage, attrs);
        this.nodes.set(path, { kind: 'file', stage, ...attrs });
      }
    }
  }

  /** Adds a file of ours (a boot loader, its config) at `path` in the ISO. */
  async addHostFile(path: string, stage: string, mode: number, mtime: number): Promise<void> {
    const attrs = { mode, uid: 0, gid: 0, mtime };
    await this.finishStage(stage, attrs);
    this.nodes.set(path, { kind: 'file', stage, ...attrs });
  }

  /** A fresh staging path for a file of ours. */
  stagePath(): string {
    return join(this.stageDir, String(this.next++));
  }

  /** The xorriso commands that build the tree, one per line. */
  commands(): string {
    if (this.skippedDevices > 0) log.warn(`ISO: ${this.skippedDevices} device nodes left out (making them needs root); devtmpfs provides /dev at boot`);
    const lines: string[] = [];
    const byAttr = (key: string, value: string, path: string) => {
      const k = `${key} ${value}`;
      const list = groups.get(k) ?? [];
      list.push(path);
      groups.set(k, list);
    };
    const groups = new Map<string, string[]>();
    for (const path of [...this.nodes.keys()]) {
      for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
        const parent = path.slice(0, i);
        if (this.nodes.has(parent)) break;
        this.nodes.set(parent, { kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: this.epoch });
      }
    }
    if (!this.nodes.has('/')) this.nodes.set('/', { kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: this.epoch });
    // Parents first, so a directory exists before what is in it (a file's -map makes missing
    // parents itself; a directory's -mkdir would otherwise fail under a symlink of the same name).
    const paths = [...this.nodes.keys()].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
    // libisofs lays file data out by sort weight, then by the staging files' inode numbers
    // (host-dependent): distinct weights in path order make the layout depend on paths only.
    let weight = paths.length;
    for (const path of paths) {
      const n = this.nodes.get(path)!;
      if (n.kind === 'file') lines.push(line(cmd('-map', n.stage, path)), line(cmd('-find', path, '-exec', 'sort_weight', String(weight--), '--')));
      else if (n.kind === 'dir' && path !== '/') lines.push(line(cmd('-mkdir', path)));
      else if (n.kind === 'symlink') lines.push(line(cmd('-lns', n.target, path)));
      byAttr('-chown', String(n.uid), path);
      byAttr('-chgrp', String(n.gid), path);
      // Files carry mode and time from their staging file; directories and symlinks get them here.
      if (n.kind !== 'file') {
        byAttr('-chmod', n.mode.toString(8).padStart(4, '0'), path);
        byAttr('-alter_date m-c', `=${n.mtime}`, path);
      }
    }
    for (const [k, list] of groups) {
      const [name, ...rest] = k.split(' ');
      const value = rest.pop()!;
      const head = [name!, ...rest, quote(value)].join(' ');
      let cur = head;
      for (const p of list) {
        const q = ` ${line(`${head} ${quote(p)}`).slice(head.length + 1)}`;
        if (cur.length + q.length > MAX_LINE) {
          lines.push(cur);
          cur = head;
        }
        cur += q;
      }
      if (cur !== head) lines.push(cur);
    }
    return lines.join('\n') + '\n';
  }

  private async finishStage(stage: string, a: Attrs): Promise<void> {
    await chmod(stage, a.mode);
    await utimes(stage, a.mtime, a.mtime);
  }
}

function depth(path: string): number {
  let n = 0;
  for (const c of path) if (c === '/') n++;
  return path === '/' ? 0 : n;
}

/** One word of xorriso's quoted input: printable ASCII as is except " and \, other bytes as \xHH. */
export function quote(word: string): string {
  let out = '"';
  for (const b of Buffer.from(word, 'utf8')) {
    out += b > 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return out + '"';
}

/** A command line, refused when xorriso could not read it whole. */
function line(text: string): string {
  if (text.length > MAX_LINE)
    throw new UserError(
      `ISO: a path or symlink target is too long for xorriso's command input (${text.length} bytes quoted, at most ${MAX_LINE}): ${text.slice(0, 120)}…`,
    );
  return text;
}

/** A command line of quoted words. */
export function cmd(name: string, ...words: string[]): string {
  return [name, ...words.map(quote)].join(' ');
}
