// The image cache: an OCI image layout that LinuxKit reads and writes too (see docs/cache.md).
//
// Safety rules, each answering a LinuxKit failure mode:
// - a blob is streamed into <cache>/.tmp, hashed and counted on the way, and renamed to
//   blobs/sha256/<hex> only when digest and size match, so a bad or interrupted download never
//   sits under a digest's name;
// - index.json is replaced whole (temp file + rename), under the cache lock (lock.ts), so readers
//   never see half of it and concurrent writers never lose each other's entries.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isBorrowed, type ImageStore } from '../store.js';
import { MediaType, REF_NAME_ANNOTATION, type Descriptor, type ImageIndex } from '../types.js';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';
import { createFileAtomic, tempName, writeFileAtomic } from './atomic.js';
import { blobPath, blobsDir, INDEX_FILE, OCI_LAYOUT_FILE, OCI_LAYOUT_VERSION, TEMP_DIR } from './layout.js';
import { withCacheLock } from './lock.js';
import { CorruptCacheError, verified } from '../verify.js';
import { isIndexMediaType, isManifestMediaType } from './media.js';
import { ifExists, ifExistsSync, pathExists } from '../../util/index.js';

/** Bytes of a blob being stored that are gathered for one writev. */
const WRITE_RUN = 1024 * 1024;

/** Temp files older than this are left by killed writers and are swept on open. */
const STALE_TEMP_MS = 24 * 3600 * 1000;

export interface IngestedBlob {
  digest: string;
  size: number;
  /** The first bytes of the blob, for sniffing its compression. */
  head: Buffer;
}

export class LayoutStore implements ImageStore {
  private constructor(readonly dir: string) {}

  /** Opens the cache at `dir`, creating an empty layout there if there is none (as LinuxKit does). */
  static async open(dir: string): Promise<LayoutStore> {
    const store = new LayoutStore(dir);
    await store.init();
    return store;
  }

  private get tempDir(): string {
    return join(this.dir, TEMP_DIR);
  }

  private async init(): Promise<void> {
    try {
      await mkdir(blobsDir(this.dir), { recursive: true });
    } catch (err) {
      throw new UserError(`unable to create cache directory ${this.dir}: ${(err as Error).message}`, undefined, { cause: err });
    }
    // A new cache: the two files are created whole, and never over one another process has
    // just written (createFileAtomic), so no lock, which costs a process start, is needed.
    const missing = async (name: string): Promise<boolean> => !(await pathExists(join(this.dir, name)));
    if (await missing(OCI_LAYOUT_FILE)) {
      await createFileAtomic(join(this.dir, OCI_LAYOUT_FILE), JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }), this.tempDir);
    }
    if (await missing(INDEX_FILE)) await createFileAtomic(join(this.dir, INDEX_FILE), serializeIndex(emptyIndex()), this.tempDir);
    await this.sweepStaleTemps();
  }

  private async sweepStaleTemps(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.tempDir);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      const p = join(this.tempDir, name);
      try {
        if (now - (await stat(p)).mtimeMs > STALE_TEMP_MS) await rm(p, { force: true });
      } catch {
        /* another process got there first */
      }
    }
  }

  // ---------------------------------------------------------------- blobs

  async hasBlob(digest: string): Promise<boolean> {
    return (await ifExists(stat(blobPath(this.dir, digest))))?.isFile() ?? false;
  }

  /** Size of a stored blob, or undefined when it is missing. */
  async blobSize(digest: string): Promise<number | undefined> {
    const s = await ifExists(stat(blobPath(this.dir, digest)));
    return s?.isFile() ? s.size : undefined;
  }

  async putBlob(digest: string, source: Readable | AsyncIterable<Uint8Array>, size?: number): Promise<void> {
    const target = blobPath(this.dir, digest);
    const have = await this.blobSize(digest);
    // A present blob of the right size is kept. One of the wrong size (a truncated file left by
    // an older tool) is replaced by the verified new copy.
    if (have !== undefined && (size === undefined || have === size)) {
      for await (const _ of source) void _;
      return;
    }
    const got = await this.streamToTemp(source, size, digest);
    try {
      if (got.digest !== digest) {
        throw new UserError(`blob ${digest}: content does not match its digest (got ${got.digest}, ${got.size} bytes); nothing was stored`);
      }
      if (size !== undefined && got.size !== size) {
        throw new UserError(`blob ${digest}: expected ${size} bytes, got ${got.size}; nothing was stored`);
      }
      await rename(got.tmp, target);
    } catch (err) {
      await rm(got.tmp, { force: true });
      throw err;
    }
  }

  /** Stores a blob whose digest is not known in advance (e.g. from a `docker save` tar). */
  async ingestBlob(source: Readable | AsyncIterable<Uint8Array>): Promise<IngestedBlob> {
    const got = await this.streamToTemp(source);
    try {
      const target = blobPath(this.dir, got.digest);
      if ((await this.blobSize(got.digest)) === got.size) await rm(got.tmp, { force: true });
      else await rename(got.tmp, target);
    } catch (err) {
      await rm(got.tmp, { force: true });
      throw err;
    }
    return { digest: got.digest, size: got.size, head: got.head };
  }

  /** Streams into a new temp file, hashing as it goes; the caller renames or removes it. */
  private async streamToTemp(
    source: Readable | AsyncIterable<Uint8Array>,
    limit?: number,
    forDigest?: string,
  ): Promise<{ tmp: string; digest: string; size: number; head: Buffer }> {
    const tmp = await tempName(this.tempDir, 'blob');
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    const fh = await open(tmp, 'wx', 0o644);
    // A download arrives in 16–64 KiB pieces: they are hashed as they come and written in runs
    // of ~1 MiB with one writev, not one write (and one thread-pool round trip) each.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    // Lent pieces (already ~1 MiB runs) are written before the next one overwrites their memory.
    const lent = isBorrowed(source);
    const flush = async (): Promise<void> => {
      const bufs = pending;
      pending = [];
      pendingBytes = 0;
      while (bufs.length) {
        let n = (await fh.writev(bufs)).bytesWritten;
        while (bufs.length && n >= bufs[0]!.length) n -= bufs.shift()!.length;
        if (n > 0) bufs[0] = bufs[0]!.subarray(n);
      }
    };
    try {
      for await (const chunk of source) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        size += buf.length;
        if (limit !== undefined && size > limit) {
          throw new UserError(`blob ${forDigest}: more than the expected ${limit} bytes; nothing was stored`);
        }
        if (head.length < 16) head = Buffer.concat([head, buf.subarray(0, 16 - head.length)]);
        hash.update(buf);
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= WRITE_RUN || lent) await flush();
      }
      await flush();
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      if (source instanceof Readable) source.destroy();
      throw err;
    }
    await fh.close();
    return { tmp, digest: `sha256:${hash.digest('hex')}`, size, head };
  }

  /**
   * A blob's content, checked against its digest as it streams: a blob read to its end that does
   * not match fails the stream with a CorruptCacheError and is removed from the cache, so the
   * next pull fetches it again (pull keeps a present blob of the right size otherwise).
   */
  openBlob(digest: string): Readable {
    const p = blobPath(this.dir, digest);
    const st = ifExistsSync(() => statSync(p));
    if (!st?.isFile()) throw new UserError(`blob ${digest} is missing from the cache ${this.dir}`);
    const ino = st.ino;
    // Layer blobs are tens of MB: read them in big pieces (the default is 64 KiB).
    const file = createReadStream(p, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>;
    return verified(file, digest, async (got) => {
      // Only the file that was read: a good copy renamed over it since then stays.
      if ((await ifExists(stat(p)))?.ino === ino) await rm(p, { force: true });
      return new CorruptCacheError(
        `blob ${digest} in the cache ${this.dir} is corrupt (its content hashes to ${got}); it has been removed, ` +
          'so the next build or `linuxkit cache pull` of its image fetches it again',
      );
    });
  }

  /** Reads a small blob whole and checks it against its digest (manifests, indexes, configs). */
  async readBlob(digest: string): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(blobPath(this.dir, digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`blob ${digest} is missing from the cache ${this.dir}`);
      throw err;
    }
    const got = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    if (got !== digest)
      throw new UserError(`blob ${digest} in the cache ${this.dir} is corrupt (its content hashes to ${got}); remove the image and pull it again`);
    return data;
  }

  /** A manifest, index or config blob: a JSON object (`null` or a list is not one). */
  async readJsonBlob<T>(digest: string): Promise<T> {
    const data = await this.readBlob(digest);
    let value: unknown;
    try {
      value = JSON.parse(data.toString('utf8'));
    } catch (err) {
      throw new UserError(`blob ${digest} in the cache ${this.dir} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new UserError(
        `blob ${digest} in the cache ${this.dir} is not a JSON object (it is ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}); remove the image (linuxkit cache rm) and pull it again`,
      );
    }
    return value as T;
  }

  /** Every blob digest present in blobs/sha256. */
  async listBlobs(): Promise<string[]> {
    const names = (await ifExists(readdir(blobsDir(this.dir)))) ?? [];
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  async removeBlob(digest: string): Promise<void> {
    await rm(blobPath(this.dir, digest), { force: true });
  }

  // ---------------------------------------------------------------- index.json

  /** The top-level index.json. Readers take no lock: we only ever replace it whole. */
  async readIndex(): Promise<ImageIndex> {
    try {
      return await this.parseIndexFile();
    } catch {
      // LinuxKit rewrites index.json in place (under the lock), so a reader racing it can see a
      // partial file: read again while holding the lock before calling the cache broken.
      return withCacheLock(this.dir, () => this.readIndexLocked());
    }
  }

  /** index.json, read by a caller that holds the cache lock. */
  async readIndexLocked(): Promise<ImageIndex> {
    try {
      return await this.parseIndexFile();
    } catch (err) {
      throw new UserError(`invalid image cache ${this.dir}: ${INDEX_FILE} cannot be read: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  private async parseIndexFile(): Promise<ImageIndex> {
    let text: string;
    try {
      text = await readFile(join(this.dir, INDEX_FILE), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
      throw err;
    }
    const parsed = JSON.parse(text) as ImageIndex;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    if (!Array.isArray(parsed.manifests)) parsed.manifests = [];
    return parsed;
  }

  /** Read-modify-write of index.json under the cache lock; the file is replaced whole. */
  async updateIndex(mutate: (index: ImageIndex) => void): Promise<void> {
    await withCacheLock(this.dir, async () => {
      const index = await this.readIndexLocked();
      mutate(index);
      await this.writeIndexLocked(index);
    });
  }

  /** Replaces index.json whole; the caller holds the cache lock (withCacheLock). */
  async writeIndexLocked(index: ImageIndex): Promise<void> {
    await writeFileAtomic(join(this.dir, INDEX_FILE), serializeIndex(index), this.tempDir);
  }

  async resolve(ref: string): Promise<Descriptor | undefined> {
    return pickRoot((await this.readIndex()).manifests, ref);
  }

  async tag(ref: string, desc: Descriptor): Promise<void> {
    await this.tagAll([{ ref, desc }]);
  }

  async tagAll(entries: ReadonlyArray<{ ref: string; desc: Descriptor }>): Promise<void> {
    if (entries.length === 0) return;
    const named: Descriptor[] = [];
    for (const { ref, desc } of entries) {
      if (!ref) throw new UserError('cannot tag an image in the cache without a reference name');
      // An entry must never point at nothing: store the blobs first, then name them.
      if (!(await this.hasBlob(desc.digest))) throw new UserError(`cannot tag ${ref}: its root blob ${desc.digest} is not in the cache ${this.dir}`);
      named.push({ ...desc, annotations: { ...desc.annotations, [REF_NAME_ANNOTATION]: ref } });
    }
    await this.updateIndex((index) => {
      for (const entry of named) {
        index.manifests = index.manifests.filter((m) => refName(m) !== refName(entry));
        index.manifests.push(entry);
      }
    });
    for (const { ref, desc } of entries) log.debug(`cache: ${ref} -> ${desc.digest}`);
  }

  async untag(ref: string): Promise<void> {
    await this.updateIndex((index) => {
      index.manifests = index.manifests.filter((m) => refName(m) !== ref);
    });
  }

  async list(): Promise<Array<{ ref: string; descriptor: Descriptor }>> {
    const out: Array<{ ref: string; descriptor: Descriptor }> = [];
    for (const m of (await this.readIndex()).manifests) {
      const ref = refName(m);
      if (ref !== undefined) out.push({ ref, descriptor: m });
    }
    return out;
  }
}

/** The reference an index.json entry is annotated with, if any. */
export function refName(desc: Descriptor): string | undefined {
  return desc.annotations?.[REF_NAME_ANNOTATION];
}

/**
 * The entry LinuxKit would use for `ref` (lk:cache/resolvabledescriptor.go FindRoot): the first
 * entry of that name that is an image manifest, else the first that is an index. A reference
 * with a digest (`name@sha256:…`) that has no entry of its own falls back to any entry with
 * that digest, as LinuxKit's FindDescriptor does.
 */
export function pickRoot(entries: Descriptor[], ref: string): Descriptor | undefined {
  const named = entries.filter((m) => refName(m) === ref);
  const found = named.find((m) => isManifestMediaType(m.mediaType)) ?? named.find((m) => isIndexMediaType(m.mediaType)) ?? named[0];
  if (found) return found;
  const at = ref.lastIndexOf('@');
  if (at > 0) {
    const digest = ref.slice(at + 1);
    return entries.find((m) => m.digest === digest);
  }
  return undefined;
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}

function serializeIndex(index: ImageIndex): string {
  return JSON.stringify(index, null, 2) + '\n';
}
