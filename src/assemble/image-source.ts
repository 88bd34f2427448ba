// What assembly needs from an image, whatever holds it (the cache, a registry pull, a test).
import type { ImageConfigFile } from '../oci/types.js';
import type { EntryHeader } from './tar-sink.js';

/**
 * One entry of an image's flattened filesystem (all layers applied, whiteouts resolved).
 * Names are relative ("etc/hosts"), without "./" or a trailing "/". `body` is set for files
 * and must be read to its end (or drained) before the next entry is asked for.
 */
export interface FsEntry {
  header: EntryHeader;
  body?: EntryBody;
}

/** A file's contents: a Node Readable or a streamx one (tar-stream's), both async-iterable. */
export type EntryBody = AsyncIterable<Uint8Array> & { resume(): unknown };

export interface ResolvedImage {
  /** The fully qualified reference, e.g. "docker.io/linuxkit/init:abc" (PAX source, dedup key). */
  ref: string;
  config: ImageConfigFile;
  /** The image's filesystem as entries, in a deterministic order. */
  entries(): AsyncIterable<FsEntry>;
  /** SPDX JSON documents attached to the image (empty if none). */
  sboms(): Promise<Buffer[]>;
  /** The image as an OCI v1 layout tar (for `volumes: format: oci`), filtered to platforms. */
  ociLayout?(platforms: string[]): AsyncIterable<FsEntry>;
}

export interface ImageResolver {
  /** Finds (pulling if needed and allowed) the image for the build's platform. */
  resolve(ref: string): Promise<ResolvedImage>;
}
