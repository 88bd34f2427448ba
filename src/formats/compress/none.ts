// No compression: the cpio archive as is (`--compress none`), the fastest to boot under TCG
// when the image is small, the largest on disk.
import type { Compressor } from './types.js';
import type { FileSink } from './file-sink.js';

export class Uncompressed implements Compressor {
  constructor(private readonly out: FileSink) {}
  write(chunk: Buffer): Promise<void> {
    return this.out.write(chunk);
  }
  end(): Promise<void> {
    return this.out.close();
  }
  destroy(): void {
    void this.out.close().catch(() => undefined);
  }
}
