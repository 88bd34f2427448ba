// The initrd as a sequence of compressed members, one per origin (image and place in the YAML,
// from the LINUXKIT.source / LINUXKIT.location PAX records the build puts on every entry), so that
// a member whose content did not change since an earlier build is taken from a cache instead of
// being compressed again. The kernel reads such an initrd: several compressed pieces one after
// another, each ending on a cpio entry boundary (init/initramfs.c; verified by booting, see
// docs/formats.md). Each member's cpio numbers its inodes from 1 under its own device number, so
// hard links stay unambiguous.
//
// The cache holds, per origin, the digest of the member's uncompressed bytes last time
// (`index/`), and the compressed member by digest, codec and level (`members/`). An origin seen
// for the first time is compressed as it streams (no overhead); an origin seen before is spooled
// to a temporary file while its digest is computed, then either replaced by the cached member
// (same digest) or compressed from the spool.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CpioWriter } from './cpio.js';
import { PatchWindow, type ChunkConsumer } from './chunker.js';
import { createCompressor, type Compressor } from './compress/index.js';
import type { Compression } from './types.js';

/** Bump when the bytes of a member for the same input change (cpio writer, chunking…). */
const MEMBER_FORMAT = 1;
/** Members smaller than this are not worth a cache file. */
const MIN_CACHED = 1024 * 1024;

export interface SegmentOptions {
  compress: Compression;
  level?: number;
  threads?: number;
  chunkSize: number;
  linkWindow: number;
  cacheDir: string;
}

interface Segment {
  origin: string;
  cpio: CpioWriter;
  window: PatchWindow;
  hash: Hash;
  size: number;
  /** Compressing as it streams (first time), or spooling (a cached member is expected). */
  compressor?: Compressor;
  memberPath?: string;
  spool?: { path: string; handle: import('node:fs/promises').FileHandle; expected: string };
}

export class SegmentedInitrd {
  private readonly members: string[] = [];
  private readonly temps: string[] = [];
  private current?: Segment;
  private ordinal = 0;

  constructor(
    /** Where the concatenated members go. */
    private readonly body: string,
    private readonly opts: SegmentOptions,
  ) {}

  /** The cpio writer for an entry of `origin`, starting a new member when the origin changes. */
  async writerFor(origin: string): Promise<{ cpio: CpioWriter; changed: boolean }> {
    if (this.current && this.current.origin === origin) return { cpio: this.current.cpio, changed: false };
    if (this.current) await this.finish(this.current, false);
    this.current = await this.start(origin);
    return { cpio: this.current.cpio, changed: true };
  }

  /** Ends the archive (trailer in the last member) and writes the body file. */
  async end(): Promise<void> {
    if (!this.current) this.current = await this.start('');
    await this.finish(this.current, true);
    this.current = undefined;
    const out = createWriteStream(this.body, { mode: 0o644 });
    try {
      for (const m of this.members) await pipeline(createReadStream(m), out, { end: false });
    } finally {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    await this.cleanup();
  }

  async abort(): Promise<void> {
    const c = this.current;
    c?.compressor?.destroy();
    await c?.spool?.handle.close().catch(() => undefined);
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    await Promise.all(this.temps.map((t) => rm(t, { force: true })));
  }

  private async start(origin: string): Promise<Segment> {
    const hash = createHash('sha256');
    const seg = { origin, hash, size: 0 } as Segment;
    const expected = origin ? await this.expectedDigest(origin) : undefined;
    let consumer: ChunkConsumer;
    if (expected) {
      const path = this.temp('spool');
      const handle = await open(path, 'w');
      seg.spool = { path, handle, expected };
      consumer = {
        write: async (chunk) => {
          hash.update(chunk);
          seg.size += chunk.length;
          await handle.write(chunk);
        },
      };
    } else {
      seg.memberPath = this.temp('member');
      const compressor = await this.compressor(seg.memberPath);
      seg.compressor = compressor;
      consumer = {
        write: async (chunk) => {
          hash.update(chunk);
          seg.size += chunk.length;
          await compressor.write(chunk);
        },
      };
    }
    seg.window = new PatchWindow(consumer, this.opts.chunkSize, this.opts.linkWindow);
    seg.cpio = new CpioWriter(seg.window, this.ordinal++);
    return seg;
  }

  private async finish(seg: Segment, last: boolean): Promise<void> {
    if (last) await seg.cpio.end();
    await seg.window.end();
    const digest = seg.hash.digest('hex');
    if (seg.spool) {
      await seg.spool.handle.close();
      const cached = this.memberFile(digest);
      if (digest === seg.spool.expected && (await exists(cached))) {
        this.members.push(cached);
        return;
      }
      // Changed since last time: compress the spool now.
      seg.memberPath = this.temp('member');
      const compressor = await this.compressor(seg.memberPath);
      const fh = await open(seg.spool.path, 'r');
      try {
        const buf = Buffer.allocUnsafe(this.opts.chunkSize);
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length);
          if (bytesRead === 0) break;
          await compressor.write(Buffer.from(buf.subarray(0, bytesRead)));
        }
      } finally {
        await fh.close();
      }
      await compressor.end();
    } else {
      await seg.compressor!.end();
    }
    this.members.push(seg.memberPath!);
    if (seg.origin && seg.size >= MIN_CACHED) await this.remember(seg.origin, digest, seg.memberPath!);
  }

  private compressor(path: string): Promise<Compressor> {
    return createCompressor(this.opts.compress, path, { level: this.opts.level, threads: this.opts.threads });
  }

  private temp(kind: string): string {
    const p = `${this.body}.${kind}${this.temps.length}`;
    this.temps.push(p);
    return p;
  }

  private memberFile(digest: string): string {
    return join(this.opts.cacheDir, 'members', `${digest}.v${MEMBER_FORMAT}.${this.opts.compress}-${this.opts.level ?? 'default'}`);
  }

  private indexFile(origin: string): string {
    const key = createHash('sha256').update(`v${MEMBER_FORMAT}\0${origin}`).digest('hex');
    return join(this.opts.cacheDir, 'index', key);
  }

  private async expectedDigest(origin: string): Promise<string | undefined> {
    try {
      return (await readFile(this.indexFile(origin), 'utf8')).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores the member and points the origin at it; a failure here only costs a later cache miss. */
  private async remember(origin: string, digest: string, member: string): Promise<void> {
    try {
      const file = this.memberFile(digest);
      await mkdir(join(this.opts.cacheDir, 'members'), { recursive: true });
      await mkdir(join(this.opts.cacheDir, 'index'), { recursive: true });
      if (!(await exists(file))) {
        const tmp = `${file}.${process.pid}.tmp`;
        await copyFile(member, tmp);
        await rename(tmp, file);
      }
      const idx = this.indexFile(origin);
      await writeFile(`${idx}.${process.pid}.tmp`, digest);
      await rename(`${idx}.${process.pid}.tmp`, idx);
    } catch {
      // The cache is an optimisation: never fail a build over it.
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
