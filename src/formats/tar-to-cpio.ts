// Turns tar entries into cpio entries, keeping everything the kernel's unpacker keeps: type,
// permission bits (with setuid/setgid/sticky), owner, mtime, symlink targets, device numbers,
// and hard links as real hard links.
//
// Hard links: in a tar stream the link comes after the file it points to, and cpio needs the
// file's header to say it has several links (the kernel only remembers inodes whose header has
// nlink ≥ 2). The file's header is therefore raised in place while it is still in the writer's
// window (PatchWindow, 8 MiB); the link is then an entry with the same inode and no data, which
// the kernel and GNU cpio turn into a hard link. A link to a file further back than the window
// falls back to a relative symlink, which is what LinuxKit does for every hard link.
//
// Identical files of different images are stored once: each image brings its own busybox, libc…
// (in examples/minimal.yml three copies of busybox and two of libc, 3 MB of a 7.6 MB gzip initrd,
// which gzip's 32 KB window cannot see from one copy to the next). A regular file of at least
// DEDUP_MIN bytes whose content, mode, owner and time equal an earlier file's is written as a hard
// link to it, across members of a segmented initrd too (the link names the earlier member's
// device; the kernel keeps every linkable inode until the archive's one trailer). Its header must
// say nlink ≥ 2 before any later copy is seen, and an earlier member may be compressed already, so
// every such file is written with nlink 2. Sharing an inode is invisible to the containers: an
// image's files are their read-only root or the lower layer of an overlay (a write copies up), as
// in LinuxKit's layout. squashfs outputs get the same from mksquashfs's own duplicate detection.
// The kernel links a later entry to an inode by the name the inode first had, after removing
// what is at the later entry's path: so a file is never linked to an inode first written at its
// own path (that would remove the file; two init images may both carry /bin/busybox, and the
// later one is then not written at all), and once that first name is written over, the inode
// can no longer be linked to.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { log } from '../util/index.js';
import { UserError } from '../util/index.js';
import type { CpioEntry, CpioType, CpioWriter, WrittenHeader } from './cpio.js';
import { recordName, type TarRecord } from '../tar/index.js';

interface Remembered {
  entry: CpioEntry;
  written: WrittenHeader;
  /** Names of its inode so far (the header's nlink may say more: shareable files start at 2). */
  names: number;
}

/** Files smaller than this are written as they are: the saving would not pay for the hashing. */
export const DEDUP_MIN = 64 * 1024;
/** A later file with the same size and metadata as an earlier one is held in memory up to this size to be hashed before its header. */
export const DEDUP_MAX = 32 * 1024 * 1024;

/** A file written with its data, that later identical files link to. */
interface Stored {
  sha256: string;
  device: number;
  ino: number;
  /** Its path: the name the kernel links later copies to. */
  name: string;
  /** Its key in `stored`. */
  key: string;
}

export class TarToCpio {
  /** Written entries that a later hard link may point to (files, symlinks, devices). */
  private readonly linkable = new Map<string, Remembered>();
  /** Files of DEDUP_MIN..DEDUP_MAX bytes written so far, by size and metadata (kept across writers). */
  private readonly stored = new Map<string, Stored[]>();
  /** The stored files by their path, while nothing else has been written there. */
  private readonly storedAt = new Map<string, Stored>();
  private symlinkFallbacks = 0;
  /** Bytes not written because an identical file was already there. */
  dedupedBytes = 0;

  constructor(
    private cpio: CpioWriter,
    /** Clamp every mtime to this (SOURCE_DATE_EPOCH), or keep the tar's times. */
    private readonly clampMtime?: number,
  ) {}

  /**
   * Continues in another cpio writer (a new member of a segmented initrd). Earlier entries can no
   * longer be linked to in place: a later hard link to them becomes a symlink.
   */
  setWriter(cpio: CpioWriter): void {
    this.cpio = cpio;
    this.linkable.clear();
  }

  async add(e: TarRecord): Promise<void> {
    const h = e.header;
    let mtime = Math.floor(h.mtime.getTime() / 1000);
    if (this.clampMtime !== undefined && mtime > this.clampMtime) mtime = this.clampMtime;
    const base = { name: e.name, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, mtime };

    if (h.type === 'link') {
      await e.skip();
      await this.addHardLink(e.name, recordName(h.linkname ?? ''), base);
      return;
    }
    const type = cpioType(h.type, e.name);
    const entry: CpioEntry = { ...base, type };
    if (type === 'file') entry.size = h.size;
    if (type === 'symlink') entry.linkTarget = h.linkname ?? '';
    if (type === 'char' || type === 'block') {
      entry.devmajor = h.devmajor;
      entry.devminor = h.devminor;
    }
    const size = entry.size ?? 0;
    const shareable = type === 'file' && size >= DEDUP_MIN && size <= DEDUP_MAX;
    if (!shareable) this.forget(e.name);
    const written = shareable ? await this.addShareable(e, entry) : await this.addPlain(e, entry);
    // Nothing written: the same file is at that path already (and stays linkable as it was).
    if (written && type !== 'dir') this.linkable.set(e.name, { entry, written, names: 1 });
  }

  /** Something else is written at `name`: a stored file first written there can no longer be linked to. */
  private forget(name: string): void {
    const s = this.storedAt.get(name);
    if (!s) return;
    this.storedAt.delete(name);
    const list = this.stored.get(s.key)!;
    list.splice(list.indexOf(s), 1);
  }

  private async addPlain(e: TarRecord, entry: CpioEntry): Promise<WrittenHeader> {
    const written = await this.cpio.header(entry);
    if (entry.type === 'file') {
      let got = 0;
      for await (const b of e.body) {
        got += b.length;
        await this.cpio.data(b);
      }
      checkLength(e.name, got, entry.size ?? 0);
    } else {
      await e.skip();
    }
    return written;
  }

  /**
   * A file that may equal an earlier one (see the top of the file). The first file of its size
   * and metadata is streamed and hashed on the way; a later one is read whole and hashed first,
   * then written as a link to the earlier identical file or, if there is none, with its data;
   * or not at all (undefined) if that earlier file is at the same path.
   */
  private async addShareable(e: TarRecord, entry: CpioEntry): Promise<WrittenHeader | undefined> {
    const key = `${entry.size}:${entry.mode}:${entry.uid}:${entry.gid}:${entry.mtime}`;
    const earlier = this.stored.get(key);
    const remember = (sha256: string, written: WrittenHeader) => {
      const list = earlier ?? [];
      if (!earlier) this.stored.set(key, list);
      const s: Stored = { sha256, device: this.cpio.device, ino: written.ino, name: e.name, key };
      list.push(s);
      this.storedAt.set(e.name, s);
    };
    if (!earlier) {
      this.forget(e.name);
      const hash = createHash('sha256');
      const written = await this.cpio.header({ ...entry, nlink: 2 });
      let got = 0;
      for await (const b of e.body) {
        got += b.length;
        hash.update(b);
        await this.cpio.data(b);
      }
      checkLength(e.name, got, entry.size ?? 0);
      remember(hash.digest('hex'), written);
      return written;
    }
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    let got = 0;
    for await (const b of e.body) {
      got += b.length;
      hash.update(b);
      chunks.push(b);
    }
    checkLength(e.name, got, entry.size ?? 0);
    const sha256 = hash.digest('hex');
    const same = earlier.find((s) => s.sha256 === sha256);
    if (same && same.name === e.name) {
      this.dedupedBytes += got;
      return undefined;
    }
    this.forget(e.name);
    if (same) {
      this.dedupedBytes += got;
      entry.ino = same.ino;
      entry.device = same.device;
      // A link to an earlier inode: no data, the nlink the earlier header already says.
      return this.cpio.header({ ...entry, size: 0, nlink: 2 });
    }
    const written = await this.cpio.header({ ...entry, nlink: 2 });
    for (const b of chunks) await this.cpio.data(b);
    remember(sha256, written);
    return written;
  }

  /** How many hard links became symlinks (outside the window); reported once at the end. */
  finish(): void {
    if (this.dedupedBytes > 0) log.debug(`initrd: ${this.dedupedBytes} bytes of files identical to earlier ones written as hard links`);
    if (this.symlinkFallbacks > 0) {
      log.warn(`${this.symlinkFallbacks} hard link(s) pointed too far back in the image and were written as symlinks`);
    }
  }

  private async addHardLink(name: string, target: string, base: Omit<CpioEntry, 'type'>): Promise<void> {
    this.forget(name);
    const t = this.linkable.get(target);
    if (t && t.entry.type === 'file') {
      const names = t.names + 1;
      // A header that already says enough links (a shareable file's 2) needs no patch, so the
      // link works however far back its target is.
      if (names <= t.written.nlink || this.cpio.setLinkCount(t.written, names)) {
        t.names = names;
        // Same inode: same mode, owner and time as the target (a hard link has no metadata of its own).
        await this.cpio.header({ ...t.entry, name, size: 0, ino: t.written.ino, nlink: t.written.nlink });
        return;
      }
    } else if (t) {
      // Symlinks and device nodes: an identical copy is indistinguishable in use.
      await this.cpio.header({ ...t.entry, name });
      return;
    }
    // Unknown target, or too far back: LinuxKit's relative symlink.
    this.symlinkFallbacks++;
    log.debug(`hard link ${name} → ${target} written as a symlink`);
    const rel = posix.relative(posix.dirname(name), target) || posix.basename(target);
    await this.cpio.header({ ...base, type: 'symlink', mode: 0o777, linkTarget: rel });
  }
}

function checkLength(name: string, got: number, size: number): void {
  if (got !== size) throw new UserError(`${name}: tar entry is ${got < size ? 'truncated' : 'longer than its header says'} (${got} of ${size} bytes)`);
}

function cpioType(tarType: string, name: string): CpioType {
  switch (tarType) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'dir';
    case 'symlink':
      return 'symlink';
    case 'character-device':
      return 'char';
    case 'block-device':
      return 'block';
    case 'fifo':
      return 'fifo';
    default:
      throw new UserError(`${name}: tar entry of type "${tarType}" cannot go into an initrd`);
  }
}
