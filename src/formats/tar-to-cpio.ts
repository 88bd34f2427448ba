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
import { posix } from 'node:path';
import { log } from '../util/index.js';
import { UserError } from '../util/index.js';
import type { CpioEntry, CpioType, CpioWriter, WrittenHeader } from './cpio.js';
import { recordName, type TarRecord } from '../tar/index.js';

interface Remembered {
  entry: CpioEntry;
  written: WrittenHeader;
}

export class TarToCpio {
  /** Written entries that a later hard link may point to (files, symlinks, devices). */
  private readonly linkable = new Map<string, Remembered>();
  private symlinkFallbacks = 0;

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
    const written = await this.cpio.header(entry);
    if (type === 'file') {
      let got = 0;
      for await (const b of e.body) {
        got += b.length;
        await this.cpio.data(b);
      }
      if (got !== (entry.size ?? 0)) throw new UserError(`${e.name}: tar entry is truncated (${got} of ${entry.size} bytes)`);
    } else {
      await e.skip();
    }
    if (type !== 'dir') this.linkable.set(e.name, { entry, written });
  }

  /** How many hard links became symlinks (outside the window); reported once at the end. */
  finish(): void {
    if (this.symlinkFallbacks > 0) {
      log.warn(`${this.symlinkFallbacks} hard link(s) pointed too far back in the image and were written as symlinks`);
    }
  }

  private async addHardLink(name: string, target: string, base: Omit<CpioEntry, 'type'>): Promise<void> {
    const t = this.linkable.get(target);
    if (t && t.entry.type === 'file') {
      const nlink = t.written.nlink + 1;
      if (this.cpio.setLinkCount(t.written, nlink)) {
        // Same inode: same mode, owner and time as the target (a hard link has no metadata of its own).
        await this.cpio.header({ ...t.entry, name, size: 0, ino: t.written.ino, nlink });
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
