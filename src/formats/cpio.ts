// A streaming writer of the "newc" cpio format (SVR4 without checksums, magic 070701), the only
// format the kernel's initramfs unpacker reads (init/initramfs.c; Documentation/
// driver-api/early-userspace/buffer-format.rst). Each entry: a 110-byte ASCII header of 13
// eight-digit hex fields, the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes.
// The archive ends with an entry named TRAILER!!! and is padded to 512 bytes, as GNU cpio does.
//
// Deterministic: inode numbers are given in order from 1, and nothing depends on the host.
// Limits of the format, reported as errors instead of writing a corrupt archive: 32-bit sizes,
// ids and times (a file of 4 GiB or more cannot be stored).
import { UserError } from '../util/index.js';

export type CpioType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

const TYPE_BITS: Record<CpioType, number> = {
  socket: 0o140000,
  symlink: 0o120000,
  file: 0o100000,
  block: 0o060000,
  dir: 0o040000,
  char: 0o020000,
  fifo: 0o010000,
};

export interface CpioEntry {
  name: string;
  type: CpioType;
  /** Permission bits, with setuid/setgid/sticky (the type bits are added from `type`). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Data size for files (0 for hard links that share an earlier entry's data). */
  size?: number;
  /** Target of a symlink. */
  linkTarget?: string;
  devmajor?: number;
  devminor?: number;
  /** Inode shared by hard links; a fresh one is given when absent. */
  ino?: number;
  nlink?: number;
  /**
   * The archive's device field of this entry, when it is a hard link to a file written by another
   * writer of the same archive (an earlier member of a segmented initrd); the writer's own else.
   */
  device?: number;
}

export interface CpioSink {
  readonly offset: number;
  write(buf: Buffer): Promise<void>;
  patch(offset: number, bytes: Buffer): boolean;
}

/** Where a written header is, to raise its link count later. */
export interface WrittenHeader {
  offset: number;
  ino: number;
  nlink: number;
}

const MAX32 = 0xffffffff;
const ZEROS = Buffer.alloc(512);
/** Offset of the nlink field in a header: magic(6) + ino, mode, uid, gid (4×8). */
const NLINK_AT = 6 + 4 * 8;

export class CpioWriter {
  private nextIno = 1;
  private remaining = 0;
  private padAfterData = 0;

  /**
   * `device`: the archive's "device" field for every entry. Readers identify hard links by
   * (device, inode), so writers of separately cached pieces of one archive (segments.ts) each
   * number inodes from 1 under their own device number.
   */
  constructor(
    private readonly sink: CpioSink,
    readonly device = 0,
  ) {}

  /** A fresh inode number, for callers that build hard-link groups themselves. */
  allocIno(): number {
    return this.nextIno++;
  }

  /**
   * Writes an entry's header (and a symlink's target). For a file, follow with exactly
   * `size` bytes through data().
   */
  header(entry: CpioEntry): Promise<WrittenHeader> {
    return this.writeHeader(entry, TYPE_BITS[entry.type]);
  }

  private async writeHeader(entry: CpioEntry, typeBits: number): Promise<WrittenHeader> {
    if (this.remaining !== 0) throw new Error(`cpio: previous entry is ${this.remaining} bytes short`);
    const name = Buffer.from(entry.name, 'utf8');
    const target = entry.type === 'symlink' ? Buffer.from(entry.linkTarget ?? '', 'utf8') : undefined;
    const size = target ? target.length : entry.type === 'file' ? (entry.size ?? 0) : 0;
    const ino = entry.ino ?? this.allocIno();
    const nlink = entry.nlink ?? (entry.type === 'dir' ? 2 : 1);
    if (size > MAX32) {
      throw new UserError(
        `${entry.name} is ${size} bytes: the initrd's cpio (newc) format cannot hold a file of 4 GiB or more; ` +
          'use a disk format (e.g. kernel+squashfs) for such a file',
      );
    }
    for (const [what, v] of [
      ['uid', entry.uid],
      ['gid', entry.gid],
      ['device major', entry.devmajor ?? 0],
      ['device minor', entry.devminor ?? 0],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > MAX32) throw new UserError(`${entry.name}: ${what} ${v} does not fit in a cpio header`);
    }
    const mtime = Math.min(Math.max(0, Math.floor(entry.mtime)), MAX32);
    const fields = [
      ino,
      typeBits | (entry.mode & 0o7777),
      entry.uid,
      entry.gid,
      nlink,
      mtime,
      size,
      0, // device of the archived file system (major, minor)
      entry.device ?? this.device,
      entry.devmajor ?? 0,
      entry.devminor ?? 0,
      name.length + 1,
      0, // checksum: unused in newc
    ];
    const namePad = pad4(110 + name.length + 1);
    const head = Buffer.alloc(110 + name.length + 1 + namePad);
    head.write('070701', 0, 'latin1');
    for (let i = 0; i < fields.length; i++) head.write(hex8(fields[i]!), 6 + 8 * i, 'latin1');
    name.copy(head, 110);
    const offset = this.sink.offset;
    await this.sink.write(head);
    if (target) {
      await this.sink.write(target);
      await this.sink.write(ZEROS.subarray(0, pad4(target.length)));
    } else if (size > 0) {
      this.remaining = size;
      this.padAfterData = pad4(size);
    }
    return { offset, ino, nlink };
  }

  /** Data of the current file; the writer adds the padding after the last byte. */
  async data(buf: Buffer): Promise<void> {
    if (buf.length > this.remaining) throw new Error(`cpio: ${buf.length - this.remaining} bytes more than the header said`);
    this.remaining -= buf.length;
    await this.sink.write(buf);
    if (this.remaining === 0 && this.padAfterData > 0) {
      await this.sink.write(ZEROS.subarray(0, this.padAfterData));
      this.padAfterData = 0;
    }
  }

  /** Sets the link count of an earlier header; false when it is no longer in the sink's window. */
  setLinkCount(header: WrittenHeader, nlink: number): boolean {
    if (!this.sink.patch(header.offset + NLINK_AT, Buffer.from(hex8(nlink), 'latin1'))) return false;
    header.nlink = nlink;
    return true;
  }

  /** The trailer entry, then zeros up to a multiple of 512 bytes. */
  async end(): Promise<void> {
    // Mode 0 (no type), as GNU cpio writes it.
    await this.writeHeader({ name: 'TRAILER!!!', type: 'file', mode: 0, uid: 0, gid: 0, mtime: 0, size: 0, ino: 0, nlink: 1 }, 0);
    await this.sink.write(ZEROS.subarray(0, (512 - (this.sink.offset % 512)) % 512));
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** A file, directory or symlink of a small archive made in memory (cpioArchive). */
export interface SmallCpioEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  data?: Buffer | string;
  linkTarget?: string;
}

/**
 * A whole newc archive in memory, owned by root with mtime 0: for small initrds made on the
 * spot (linuxkit bench's floor and probe), not for images (those stream, initrd.ts).
 */
export async function cpioArchive(entries: SmallCpioEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = 0;
  const sink: CpioSink = {
    get offset() {
      return offset;
    },
    async write(buf) {
      parts.push(Buffer.from(buf));
      offset += buf.length;
    },
    patch: () => false,
  };
  const w = new CpioWriter(sink);
  for (const e of entries) {
    const data = e.data === undefined ? undefined : Buffer.from(e.data);
    await w.header({
      name: e.name,
      type: e.type,
      mode: e.mode,
      uid: 0,
      gid: 0,
      mtime: 0,
      size: data?.length ?? 0,
      ...(e.linkTarget !== undefined && { linkTarget: e.linkTarget }),
    });
    if (data?.length) await w.data(data);
  }
  await w.end();
  return Buffer.concat(parts);
}
