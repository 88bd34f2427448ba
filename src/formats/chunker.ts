// Holds the last `window` bytes of a byte stream before passing them on in fixed-size chunks,
// so a header written a little earlier can still be changed in place (the cpio writer raises a
// file's link count when a hard link to it turns up later in the tar stream). Memory is bounded
// by window + chunk size.
export interface ChunkConsumer {
  write(chunk: Buffer): Promise<void>;
}

export class PatchWindow {
  private readonly pieces: Buffer[] = [];
  private readonly starts: number[] = []; // absolute offset of each piece
  private held = 0;
  private total = 0;
  private flushed = 0; // bytes already handed to the consumer

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
    if (buf.length === 0) return;
    this.pieces.push(buf);
    this.starts.push(this.total);
    this.total += buf.length;
    this.held += buf.length;
    while (this.held - this.chunkSize >= this.window) await this.emit(this.chunkSize);
  }

  /** Overwrites bytes at absolute `offset`; false when they have already been passed on. */
  patch(offset: number, bytes: Buffer): boolean {
    if (offset < this.flushed || offset + bytes.length > this.total) return false;
    let i = this.pieces.length - 1;
    while (this.starts[i]! > offset) i--;
    let done = 0;
    while (done < bytes.length) {
      const piece = this.pieces[i]!;
      const at = offset + done - this.starts[i]!;
      const n = Math.min(piece.length - at, bytes.length - done);
      bytes.copy(piece, at, done, done + n);
      done += n;
      i++;
    }
    return true;
  }

  /** Passes everything on. */
  async end(): Promise<void> {
    while (this.held > 0) await this.emit(Math.min(this.chunkSize, this.held));
  }

  private async emit(n: number): Promise<void> {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const piece = this.pieces[0]!;
      if (piece.length <= need) {
        parts.push(piece);
        need -= piece.length;
        this.pieces.shift();
        this.starts.shift();
      } else {
        parts.push(piece.subarray(0, need));
        this.pieces[0] = piece.subarray(need);
        this.starts[0]! += need;
        need = 0;
      }
    }
    this.held -= n;
    this.flushed += n;
    await this.consumer.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts, n));
  }
}
