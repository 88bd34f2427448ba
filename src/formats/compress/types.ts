// A compressor takes the uncompressed archive in chunks and writes the compressed bytes to a
// file. write() resolves when the compressor is ready for more (backpressure), so memory
// stays bounded whatever the archive size.
export interface Compressor {
  write(chunk: Buffer): Promise<void>;
  /** Flushes everything and resolves once the output file is complete. */
  end(): Promise<void>;
  /** Stops early after a failure elsewhere (kills a child process, closes the file). */
  destroy(): void;
}
