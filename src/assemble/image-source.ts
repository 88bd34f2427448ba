// What assembly needs from an image, whatever holds it (the cache, a registry pull, a test).
import type { ImageConfigFile } from '../oci/index.js';
import type { TarEntry } from '../tar/index.js';

export interface ResolvedImage {
  /** The fully qualified reference, e.g. "docker.io/linuxkit/init:abc" (PAX source, dedup key). */
  ref: string;
  config: ImageConfigFile;
  /**
   * The image's filesystem (layers flattened, whiteouts applied) in a deterministic order.
   * Each body must be consumed or left alone before the next entry is asked for.
   */
  entries(): AsyncIterable<TarEntry>;
  /** SPDX JSON documents attached to the image (empty if none). */
  sboms(): Promise<Buffer[]>;
}

export interface ImageResolver {
  /** Finds (pulling if needed and allowed) the image for the build's platform. */
  resolve(ref: string): Promise<ResolvedImage>;
}
