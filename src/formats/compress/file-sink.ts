// Ordered, awaited writes to a file descriptor: the smallest piece the compressors share.
import { open, type FileHandle } from 'node:fs/promises';

export class FileSink {
  private constructor(readonly handle: FileHandle) {}

  static async create(path: string): Promise<FileSink> {
    return new FileSink(await open(path, 'w', 0o644));
  }

  async write(buf: Buffer): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.handle.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
