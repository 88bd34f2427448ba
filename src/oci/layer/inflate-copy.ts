// A gzip layer inflated into the unpacked-layer cache (unpacked.ts) while its blob is being
// downloaded, so the first build after a pull reads the layer uncompressed instead of paying
// for zlib again (issue 19; figures in docs/performance.md). The copy goes through the same
// `UnpackedLayers.fill` as a build's, so it is kept only when the inflated bytes hash to the
// diff_id; on top of that it is finished only when the caller says the blob itself was stored
// (its digest and size verified). Nothing here ever fails the download: a piece that is not
// gzip, a zlib error or a cache that cannot be written only drop the copy.
//
// Only while it is free: when the download runs faster than zlib (a registry on loopback or a
// fast LAN, where the pull is bound by this machine's CPU) the download would wait for zlib
// piece after piece, and a pull measured 2.6× slower for it; so once the download has waited
// longer for zlib than for the registry (and more than HOLD_MIN_MS), the copy is dropped and the
// first build inflates the layer as before. Compared with the waits for the registry, not with a
// fixed budget: on a network the socket goes on filling the reader's other buffer while zlib
// works (plain-get.ts), so waits that add up over a long download cost it little.
import { performance } from 'node:perf_hooks';
import { isBorrowed, type BorrowedPieces } from '../store.js';
import { detectCompression, gunzipStream } from './decompress.js';
import type { UnpackedLayers } from './unpacked.js';

/** Waits for zlib shorter than this in all are never a reason to drop the copy. */
export const HOLD_MIN_MS = 10;

export class InflatingCopy {
  private readonly gunzip = gunzipStream();
  private readonly copied: Promise<void>;
  /** zlib gives up on a piece it fails on without calling back: its close ends the wait too. */
  private readonly closed: Promise<void>;
  private started = false;
  private dropped = false;
  /** Milliseconds the download has waited for zlib, and for the registry's next piece. */
  private held = 0;
  private fetching = 0;

  constructor(layers: UnpackedLayers, diffId: string) {
    // Errors reach the reader below, which discards the copy; the download never sees them.
    this.gunzip.on('error', () => (this.dropped = true));
    this.closed = new Promise((resolve) => this.gunzip.once('close', () => resolve()));
    this.copied = (async () => {
      for await (const _ of layers.fill(diffId, this.gunzip)) void _;
    })().catch(() => undefined);
  }

  /**
   * `source` passed through unchanged (lent pieces stay lent), each piece also fed to zlib. A
   * piece is done with, by zlib too, before the next is asked for: zlib reads it in place on
   * the thread pool (no copy), which is why a lent piece may be given to it at all.
   */
  tee<T extends AsyncIterable<Buffer> | BorrowedPieces>(source: T): AsyncIterable<Buffer> {
    const pieces = async function* (this: InflatingCopy): AsyncGenerator<Buffer> {
      let asked = performance.now();
      for await (const piece of source as AsyncIterable<Buffer>) {
        this.fetching += performance.now() - asked;
        let read = false;
        const reading = this.feed(piece).then(() => (read = true));
        yield piece;
        asked = performance.now();
        if (read) continue;
        await reading;
        const now = performance.now();
        this.held += now - asked;
        asked = now;
        if (this.held > HOLD_MIN_MS && this.held > this.fetching && !this.dropped) this.drop();
      }
    }.bind(this);
    return isBorrowed(source) ? ({ borrowed: true, [Symbol.asyncIterator]: pieces } as BorrowedPieces) : pieces();
  }

  /** Resolves once zlib has read `piece` (at once when the copy was dropped). */
  private feed(piece: Buffer): Promise<void> {
    if (!this.started) {
      this.started = true;
      // The media type is not trusted for this, as for builds (decompress.ts): the bytes are.
      if (detectCompression(piece) !== 'gzip') this.drop();
    }
    if (this.dropped) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => this.gunzip.write(piece, () => resolve())), this.closed]);
  }

  private drop(): void {
    this.dropped = true;
    this.gunzip.destroy(new Error('no unpacked copy'));
  }

  /**
   * Ends the copy: with `stored` (the blob was verified and stored) it is committed if it hashes
   * to its diff_id, else it is discarded. Resolves when the copy is in place or gone; never rejects.
   */
  async finish(stored: boolean): Promise<void> {
    if (stored && !this.dropped && this.started) this.gunzip.end();
    else this.drop();
    await this.copied;
  }
}
