// Collects a byte stream into fixed-size chunks for the compressor, holding the newest `window`
// bytes back so that a header written a little earlier can still be changed in place (the cpio
// writer raises a file's link count when a hard link to it turns up later in the tar stream).
//
// Every write is copied into the chunk being filled: the copy is needed anyway (deflate wants
// one contiguous buffer per chunk), and it means we never keep a reference to the producer's
// buffers, where a 100-byte slice could pin a whole 1 MiB read buffer. Memory is bounded by
// window + 2 chunks.
export interface ChunkConsumer {
  write(chunk: Buffer): Promise<void>;
}

export class PatchWindow {
  private readonly chunks: Buffer[] = [];
  private base = 0; // absolute offset of chunks[0]
  private fill = 0; // bytes used in the last chunk
  private total = 0;

  constructor(
    private readonly consumer: ChunkConsumer,
    private readonly chunkSize: number,
    private readonly window: number,
  ) {}

  /** Bytes written so far: the offset the next write starts at. */
  get offset(): number {
    return this.total;
  }

  async write(buf: Buffer): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      if (this.chunks.length === 0 || this.fill === this.chunkSize) {
        this.chunks.push(Buffer.allocUnsafe(this.chunkSize));
        this.fill = 0;
      }
      const n = buf.copy(this.chunks[this.chunks.length - 1]!, this.fill, done);
      this.fill += n;
      done += n;
    }
    this.total += buf.length;
    // Pass on the oldest chunk once it lies entirely before the window.
    while (this.chunks.length > 1 && this.total - (this.base + this.chunkSize) >= this.window) {
      await this.emit(this.chunks.shift()!);
    }
  }

  /** Overwrites bytes at absolute `offset`; false when they have already been passed on. */
  patch(offset: number, bytes: Buffer): boolean {
    if (offset < this.base || offset + bytes.length > this.total) return false;
    for (let i = 0; i < bytes.length; i++) {
      const at = offset + i - this.base;
      this.chunks[Math.floor(at / this.chunkSize)]![at % this.chunkSize] = bytes[i]!;
    }
    return true;
  }

  /** Passes everything on. */
  async end(): Promise<void> {
    while (this.chunks.length > 0) {
      const c = this.chunks.shift()!;
      await this.emit(this.chunks.length === 0 ? c.subarray(0, this.fill) : c);
    }
  }

  private async emit(chunk: Buffer): Promise<void> {
    this.base += this.chunkSize;
    await this.consumer.write(chunk);
  }
}
