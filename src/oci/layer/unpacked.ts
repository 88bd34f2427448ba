// Layers kept uncompressed between builds. Inflating gzip layers is most of what a build from a
// warm cache does besides writing its output (the benchmark's kernel and large layers: ~1.5 CPU s
// of zlib for 232 MB), and the same kernel, init and service images go into build after build.
// So the first build that reads a compressed layer also writes what it inflates to a file here,
// and later builds read that file instead (the benchmark's figures: docs/performance.md).
// Docker and containerd keep layers unpacked for the same reason. This is not part of the image cache (an OCI layout that LinuxKit shares); it is
// derived from it and can be deleted at any time (`linuxkit cache clean` does).
//
// A file is named by the layer's diff_id (the SHA-256 of the uncompressed tar, from the image
// config) and is only put in place (renamed from a temporary name) once the inflated bytes have
// hashed to that diff_id, with its size beside it (`<hex>.size`): a file whose size does not
// match (a crash before the data reached the disk) is never used. Every read hashes it again as
// it streams (src/oci/verify.ts): a copy changed since, even at the same size, fails the read at
// its end with UnpackedCopyCorrupt and is removed, so reading again inflates the blob. Safe between concurrent
// builds: writes go to unique temporary names; a file deleted under a reader stays readable
// through the reader's descriptor. Bounded: the least recently used files are deleted beyond
// DEFAULT_MAX_BYTES after each build. Failing to write here never fails a build.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { toolCacheSubdir } from '../../util/index.js';
import { log } from '../../util/index.js';
import { CorruptCacheError, verified } from '../verify.js';
import { pruneLeastRecentlyUsed, TEMP_SUFFIX } from '../../util/index.js';

/** Environment variable: the directory of unpacked layers, or "off" for none. */
export const ENV_LAYER_CACHE = 'LINUXKIT_LAYER_CACHE';
/** Default bound of the unpacked layers, in bytes. */
export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024 * 1024;
/** Layers whose blob is smaller than this inflate in milliseconds: not worth a file. */
export const MIN_BLOB_SIZE = 1024 * 1024;
const SIZE_SUFFIX = '.size';
const READ_PIECE = 1024 * 1024;
/** Room for inflated pieces waiting to be written, so the build never waits on the copy. */
const WRITE_AHEAD = 4 * 1024 * 1024;

/** The unpacked-layer cache of builds: $LINUXKIT_LAYER_CACHE, or ~/.cache/linuxkit-ts/layers; undefined when "off". */
export function defaultUnpackedLayers(): UnpackedLayers | undefined {
  const dir = toolCacheSubdir(ENV_LAYER_CACHE, 'layers');
  return dir === undefined ? undefined : new UnpackedLayers(dir);
}

/** An unpacked copy failed its check and is gone: reading the layer again inflates its blob. */
export class UnpackedCopyCorrupt extends CorruptCacheError {}

export class UnpackedLayers {
  constructor(
    readonly dir: string,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  /** The uncompressed layer with this diff_id, if it is here and whole; marks it used. */
  async open(diffId: string): Promise<Readable | undefined> {
    const path = this.path(diffId);
    if (!path || !(await whole(path))) return undefined;
    // Most recently used: kept longest when the cache is pruned.
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    const file = createReadStream(path, { highWaterMark: READ_PIECE }) as AsyncIterable<Buffer>;
    return verified(file, diffId, async (got) => {
      await rm(path, { force: true });
      await rm(path + SIZE_SUFFIX, { force: true });
      return new UnpackedCopyCorrupt(`the unpacked copy of layer ${diffId} in ${this.dir} was corrupt (it hashes to ${got}); it has been removed`);
    });
  }

  /** Whether the layer with this diff_id is here and whole (a pull then need not inflate it). */
  async has(diffId: string): Promise<boolean> {
    const path = this.path(diffId);
    return path !== undefined && (await whole(path));
  }

  /**
   * `inflated` (the layer being decompressed) passed through unchanged, copied into the cache
   * as it goes. The copy is kept only if the stream is read to its end and hashes to `diffId`.
   */
  async *fill(diffId: string, inflated: Readable): AsyncGenerator<Buffer> {
    const path = this.path(diffId);
    const copy = path ? await this.startCopy(path) : undefined;
    let complete = false;
    try {
      for await (const chunk of inflated as AsyncIterable<Buffer>) {
        if (copy?.writing) await copy.add(chunk);
        yield chunk;
      }
      complete = true;
    } finally {
      if (copy) await (complete ? copy.commit(diffId) : copy.discard());
    }
  }

  /** Deletes the least recently used layers beyond the bound. */
  prune(): Promise<void> {
    return pruneLeastRecentlyUsed(this.dir, this.maxBytes, SIZE_SUFFIX);
  }

  /** Where the layer goes; undefined for a diff_id that is not a sha256 digest. */
  private path(diffId: string): string | undefined {
    const m = /^sha256:([0-9a-f]{64})$/.exec(diffId);
    return m ? join(this.dir, m[1]!) : undefined;
  }

  private async startCopy(path: string): Promise<LayerCopy | undefined> {
    try {
      await mkdir(this.dir, { recursive: true });
      return new LayerCopy(path, `${path}.${process.pid}.${randomBytes(4).toString('hex')}`, this.maxBytes);
    } catch {
      return undefined;
    }
  }
}

/** Whether the file at `path` has the size written beside it (a crash leaves it short). */
async function whole(path: string): Promise<boolean> {
  try {
    const [want, st] = await Promise.all([readFile(path + SIZE_SUFFIX, 'utf8'), stat(path)]);
    return String(st.size) === want.trim();
  } catch {
    return false;
  }
}

/** One layer being copied into the cache under a temporary name. */
class LayerCopy {
  private readonly out: WriteStream;
  private readonly hash = createHash('sha256');
  private size = 0;
  private failed = false;

  constructor(
    private readonly path: string,
    private readonly tag: string,
    /** A copy larger than the cache's bound would be pruned at once: not written past it. */
    private readonly maxBytes: number,
  ) {
    this.out = createWriteStream(this.temp, { flags: 'wx', highWaterMark: WRITE_AHEAD });
    // A full disk or a read-only cache: stop copying, the build goes on.
    this.out.on('error', () => (this.failed = true));
  }

  private get temp(): string {
    return this.tag + TEMP_SUFFIX;
  }

  get writing(): boolean {
    return !this.failed;
  }

  /** Takes a piece of the layer (not copied: inflated pieces are never reused). */
  async add(chunk: Buffer): Promise<void> {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.failed = true;
      this.out.destroy();
      return;
    }
    this.hash.update(chunk);
    if (!this.out.write(chunk)) await this.settled('drain');
  }

  /** Until the stream emits `event` or closes (never rejects: an error only stops the copy). */
  private settled(event: 'drain' | 'close'): Promise<void> {
    if (this.out.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.out.off(event, done);
        this.out.off('close', done);
        resolve();
      };
      this.out.on(event, done);
      this.out.on('close', done);
    });
  }

  async commit(diffId: string): Promise<void> {
    if (this.failed) return this.discard();
    this.out.end();
    await this.settled('close');
    const got = `sha256:${this.hash.digest('hex')}`;
    if (got !== diffId) {
      log.warn(`layer ${diffId} inflates to content with digest ${got}: the image in the cache may be corrupt; not keeping an unpacked copy`);
      return this.discard();
    }
    if (this.failed) return this.discard();
    const sizeTemp = `${this.tag}${SIZE_SUFFIX}${TEMP_SUFFIX}`;
    try {
      // The size first: the layer file is only ever used with a size that matches it.
      await writeFile(sizeTemp, `${this.size}\n`);
      await rename(sizeTemp, this.path + SIZE_SUFFIX);
      await rename(this.temp, this.path);
    } catch {
      await rm(sizeTemp, { force: true });
      await this.discard();
    }
  }

  async discard(): Promise<void> {
    this.out.destroy();
    await this.settled('close');
    await rm(this.temp, { force: true });
  }
}
