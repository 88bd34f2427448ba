// The initrd as a sequence of compressed members, one per origin (image and place in the YAML,
// from the LINUXKIT.source / LINUXKIT.location PAX records the build puts on every entry), so that
// a member whose content did not change since an earlier build is taken from a cache instead of
// being compressed again. The kernel reads such an initrd: several compressed pieces one after
// another, each ending on a cpio entry boundary (init/initramfs.c; verified by booting, see
// docs/formats.md). Each member's cpio numbers its inodes from 1 under its own device number, so
// hard links stay unambiguous.
//
// The cache (optional) holds, per origin, the digest of the member's uncompressed bytes last time
// (`index/`), and the compressed member by that digest, codec, level and zlib version
// (`members/`), with the SHA-256 and size of its compressed bytes beside it (`.sum`). An origin
// seen for the first time is compressed as it streams (no overhead); an origin seen before is
// spooled to a temporary file while its digest is computed, then either replaced by the cached
// member (same digest, and the member's bytes check out against its .sum while they are copied
// into the output) or compressed from the spool. So the output never depends on the cache: with
// or without it, cold or warm, the same input gives the same bytes.
//
// Safe to share between concurrent builds: every file is written under a unique temporary name
// and renamed into place; a member deleted or replaced under a reader fails its check and is
// compressed again. The cache is bounded: after each build the least recently used members are
// deleted beyond `maxBytes`.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, truncate, utimes, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { toolCacheSubdir } from '../util/index.js';
import { pruneLeastRecentlyUsed, TEMP_SUFFIX } from '../util/index.js';
import { CpioWriter } from './cpio.js';
import { PatchWindow, type ChunkConsumer } from './chunker.js';
import { compressorIdentity, createCompressor, type Compressor } from './compress/index.js';
import type { Compression } from './types.js';
import { pathExists } from '../util/index.js';

/** Bump when the bytes of a member for the same input change (cpio writer, chunking…). */
const MEMBER_FORMAT = 1;
/** Members smaller than this are not worth a cache file. */
const MIN_CACHED = 1024 * 1024;
/** Default bound of the cache's members, in bytes. */
export const DEFAULT_CACHE_MAX = 1024 * 1024 * 1024;
/** Index entries (one small file per origin) not used for this long are deleted. */
const INDEX_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const COPY_PIECE = 1024 * 1024;

export interface SegmentOptions {
  compress: Compression;
  level?: number;
  threads?: number;
  chunkSize: number;
  linkWindow: number;
  /** The member cache; without it every member is compressed. */
  cacheDir?: string;
  /** Bound of the cache's members (bytes); DEFAULT_CACHE_MAX if absent. */
  cacheMax?: number;
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
  spool?: { path: string; handle: FileHandle; expected: string };
}

/** Environment variable: the member cache's directory, or "off" for none. */
export const ENV_INITRD_CACHE = 'LINUXKIT_INITRD_CACHE';

/**
 * The member cache `build` uses: $LINUXKIT_INITRD_CACHE, or ~/.cache/linuxkit-ts/initrd-members
 * ($XDG_CACHE_HOME respected); false when that variable is "off" (the initrd keeps the same
 * member layout, so its bytes are the same either way).
 */
export function defaultMemberCache(): string | false {
  return toolCacheSubdir(ENV_INITRD_CACHE, 'initrd-members') ?? false;
}

export class SegmentedInitrd {
  private readonly temps: string[] = [];
  private current?: Segment;
  private ordinal = 0;
  private out?: FileHandle;
  /** Bytes written to the body so far. */
  private written = 0;

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

  /** Ends the archive (trailer in the last member) and completes the body file. */
  async end(): Promise<void> {
    if (!this.current) this.current = await this.start('');
    await this.finish(this.current, true);
    this.current = undefined;
    await this.body_().then((h) => h.close());
    this.out = undefined;
    await this.cleanup();
    if (this.opts.cacheDir) await pruneMemberCache(this.opts.cacheDir, this.opts.cacheMax ?? DEFAULT_CACHE_MAX);
  }

  async abort(): Promise<void> {
    const c = this.current;
    c?.compressor?.destroy();
    await c?.spool?.handle.close().catch(() => undefined);
    await this.out?.close().catch(() => undefined);
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    await Promise.all(this.temps.map((t) => rm(t, { force: true })));
  }

  private async body_(): Promise<FileHandle> {
    this.out ??= await open(this.body, 'w', 0o644);
    return this.out;
  }

  private async start(origin: string): Promise<Segment> {
    const hash = createHash('sha256');
    const seg = { origin, hash, size: 0 } as Segment;
    const expected = origin && this.opts.cacheDir ? await this.expectedDigest(origin) : undefined;
    let consumer: ChunkConsumer;
    if (expected && (await pathExists(this.memberFile(expected)))) {
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

  /** Completes a segment and appends its member to the body. */
  private async finish(seg: Segment, last: boolean): Promise<void> {
    if (last) await seg.cpio.end();
    await seg.window.end();
    const digest = seg.hash.digest('hex');
    if (seg.spool) {
      await seg.spool.handle.close();
      if (digest === seg.spool.expected && (await this.appendCached(digest))) {
        await rm(seg.spool.path, { force: true });
        return;
      }
      // Changed since last time (or the cached member did not check out): compress the spool.
      seg.memberPath = this.temp('member');
      const compressor = await this.compressor(seg.memberPath);
      await copyInto(seg.spool.path, (piece) => compressor.write(Buffer.from(piece)));
      await compressor.end();
      await rm(seg.spool.path, { force: true });
    } else {
      await seg.compressor!.end();
    }
    const sum = await this.append(seg.memberPath!);
    if (this.opts.cacheDir && seg.origin && seg.size >= MIN_CACHED) await this.remember(seg.origin, digest, seg.memberPath!, sum);
    await rm(seg.memberPath!, { force: true });
  }

  /** Appends a file to the body; its SHA-256 and size. */
  private async append(path: string): Promise<{ sha256: string; size: number }> {
    const out = await this.body_();
    const h = createHash('sha256');
    let size = 0;
    await copyInto(path, async (piece) => {
      h.update(piece);
      size += piece.length;
      await writeAll(out, piece, this.written);
      this.written += piece.length;
    });
    return { sha256: h.digest('hex'), size };
  }

  /** Appends the cached member for `digest` if it is intact; false (body unchanged) if not. */
  private async appendCached(digest: string): Promise<boolean> {
    const file = this.memberFile(digest);
    const before = this.written;
    try {
      const [want, wantSize] = (await readFile(`${file}.sum`, 'utf8')).trim().split(' ');
      const got = await this.append(file);
      if (got.sha256 === want && String(got.size) === wantSize) {
        // Recently used: kept longest when the cache is pruned.
        const now = new Date();
        await utimes(file, now, now).catch(() => undefined);
        return true;
      }
    } catch {
      // missing or unreadable: as a mismatch
    }
    this.written = before;
    await truncate(this.body, before);
    return false;
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
    // The compressor and its version are part of the name where we know them: a member made by
    // another compressor could differ in bytes from what this one makes.
    const codec = compressorIdentity(this.opts.compress, this.opts.level);
    return join(this.opts.cacheDir!, 'members', `${digest}.v${MEMBER_FORMAT}.${codec}`);
  }

  private indexFile(origin: string): string {
    const key = createHash('sha256').update(`v${MEMBER_FORMAT}\0${origin}`).digest('hex');
    return join(this.opts.cacheDir!, 'index', key);
  }

  private async expectedDigest(origin: string): Promise<string | undefined> {
    try {
      return (await readFile(this.indexFile(origin), 'utf8')).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores the member and points the origin at it; a failure here only costs a later cache miss. */
  private async remember(origin: string, digest: string, member: string, sum: { sha256: string; size: number }): Promise<void> {
    const tag = `${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
    const file = this.memberFile(digest);
    const idx = this.indexFile(origin);
    try {
      await mkdir(join(this.opts.cacheDir!, 'members'), { recursive: true });
      await mkdir(join(this.opts.cacheDir!, 'index'), { recursive: true });
      // The sum first: a member is only ever used with a sum that matches it.
      await writeFile(`${file}.sum.${tag}`, `${sum.sha256} ${sum.size}\n`);
      await rename(`${file}.sum.${tag}`, `${file}.sum`);
      // The member file is ours to give away: moved when the cache is on the same file system.
      await rename(member, `${file}.${tag}`).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV') throw err;
        await copyFile(member, `${file}.${tag}`);
      });
      await rename(`${file}.${tag}`, file);
      await writeFile(`${idx}.${tag}`, digest);
      await rename(`${idx}.${tag}`, idx);
    } catch {
      // The cache is an optimisation: never fail a build over it.
      await Promise.all([`${file}.sum.${tag}`, `${file}.${tag}`, `${idx}.${tag}`].map((f) => rm(f, { force: true })));
    }
  }
}

/**
 * Deletes the least recently used members (and their sums) until the members take at most
 * `maxBytes`, index entries unused for 30 days, and temporary files of builds that died.
 */
export async function pruneMemberCache(cacheDir: string, maxBytes: number): Promise<void> {
  await pruneLeastRecentlyUsed(join(cacheDir, 'members'), maxBytes, '.sum');
  try {
    const index = join(cacheDir, 'index');
    for (const name of await readdir(index).catch(() => [] as string[])) {
      const st = await stat(join(index, name)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > INDEX_MAX_AGE_MS) await rm(join(index, name), { force: true });
    }
  } catch {
    // Pruning is housekeeping: never fail a build over it.
  }
}

/** Reads a file in pieces (each valid only during the call). */
async function copyInto(path: string, each: (piece: Buffer) => Promise<void>): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(COPY_PIECE);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length);
      if (bytesRead === 0) break;
      await each(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}
