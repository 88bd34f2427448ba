// The contract between the registry client (pull/push) and the image cache (an OCI image
// layout at ~/.linuxkit/cache). The cache implements ImageStore; pull writes into one and
// push reads from one, so either side can be tested against the real other.
import type { Readable } from 'node:stream';
import type { Descriptor } from './types.js';

/**
 * A blob's bytes lent piece by piece: a piece is valid only until the next one is asked for
 * (its memory is then reused for what comes after), so a consumer hashes, copies or writes it
 * first. Fresh memory for every piece costs more CPU than the download (docs/performance.md).
 */
export interface BorrowedPieces extends AsyncIterable<Buffer> {
  readonly borrowed: true;
}

export function isBorrowed(source: unknown): source is BorrowedPieces {
  return typeof source === 'object' && source !== null && (source as Partial<BorrowedPieces>).borrowed === true;
}

export interface BlobStore {
  hasBlob(digest: string): Promise<boolean>;
  /**
   * Streams a blob in. The digest (and size, when given) is verified while writing to a temp
   * file; only a verified blob is renamed into place. On mismatch it throws and the store is
   * unchanged. Writing a blob that is already present is a no-op that still drains `source`.
   * Pieces of a BorrowedPieces source are done with before the next is asked for.
   */
  putBlob(digest: string, source: Readable | AsyncIterable<Uint8Array>, size?: number): Promise<void>;
  /** A stream of a stored blob; throws a UserError naming the digest if it is missing. */
  openBlob(digest: string): Readable;
  /** A small blob (manifest, index, config) read whole. */
  readBlob(digest: string): Promise<Buffer>;
}

export interface ImageStore extends BlobStore {
  /** The root descriptor (index or manifest) stored for a fully qualified reference, if any. */
  resolve(ref: string): Promise<Descriptor | undefined>;
  /** Points `ref` at `desc` in index.json (replaced whole, atomically, under the cache lock). */
  tag(ref: string, desc: Descriptor): Promise<void>;
  /** Several tags in one update of index.json (one lock, one rewrite), in order. */
  tagAll(entries: ReadonlyArray<{ ref: string; desc: Descriptor }>): Promise<void>;
  /** Removes `ref` from index.json; blobs stay until `cache clean`/garbage collection. */
  untag(ref: string): Promise<void>;
  /** Every reference in the cache with its root descriptor. */
  list(): Promise<Array<{ ref: string; descriptor: Descriptor }>>;
}
