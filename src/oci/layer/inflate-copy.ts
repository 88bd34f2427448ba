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
// HOLD_BUDGET_MS for zlib, the copy is dropped and the first build inflates the layer as before.
import { performance } from 'node:perf_hooks';
import { isBorrowed, type BorrowedPieces } from '../store.js';
import { detectCompression, gunzipStream } from './decompress.js';
import type { UnpackedLayers } from './unpacked.js';

/** How long a download may wait for zlib, in all, before its layer is left to the build. */
export const HOLD_BUDGET_MS = 50;

export class InflatingCopy {
  private readonly gunzip = gunzipStream();
  private readonly copied: Promise<void>;
  /** zlib gives up on a piece it fails on without calling back: its close ends the wait too. */
  private readonly closed: Promise<void>;
  private started = false;
  private dropped = false;
  /** Milliseconds the download has waited for zlib. */
  private held = 0;

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
      for await (const piece of source as AsyncIterable<Buffer>) {
        let read = false;
        const reading = this.feed(piece).then(() => (read = true));
        yield piece;
        if (read) continue;
        const since = performance.now();
        await reading;
        this.held += performance.now() - since;
        if (this.held > HOLD_BUDGET_MS && !this.dropped) this.drop();
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
