// A tar stream → a gzip-compressed layer blob in the store, in one pass: the uncompressed
// sha256 (diff_id) and the compressed sha256 (digest) are computed while the compressed bytes
// go to a temporary file, which is then streamed into the store (which verifies it again).
// Node's gzip writes no file name and mtime 0, so the same tar gives the same bytes.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants as zc } from 'node:zlib';
import type { BlobStore } from '../oci/index.js';
import { MediaType, type Descriptor } from '../oci/index.js';

export interface LayerResult {
  descriptor: Descriptor;
  diffId: string;
  /** Uncompressed size in bytes. */
  tarSize: number;
}

function hashing(onDone: (hex: string, size: number) => void): Transform {
  const h = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      onDone(h.digest('hex'), size);
      cb();
    },
  });
}

export async function writeLayer(tarStream: Readable, store: BlobStore): Promise<LayerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'linuxkit-layer-'));
  const file = join(dir, 'layer.tar.gz');
  try {
    let diffId = '';
    let tarSize = 0;
    let digest = '';
    let size = 0;
    await pipeline(
      tarStream,
      hashing((hex, n) => ((diffId = `sha256:${hex}`), (tarSize = n))),
      createGzip({ level: zc.Z_BEST_COMPRESSION }),
      hashing((hex, n) => ((digest = `sha256:${hex}`), (size = n))),
      createWriteStream(file),
    );
    await store.putBlob(digest, createReadStream(file), size);
    return { descriptor: { mediaType: MediaType.ociLayerGzip, digest, size }, diffId, tarSize };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a tar stream to a file (for kernel.tar, a file inside the image). */
export async function writeTarFile(tarStream: Readable, file: string): Promise<void> {
  await pipeline(tarStream, new PassThrough(), createWriteStream(file));
}

/** A small JSON blob (config, manifest, index) into the store; returns its descriptor. */
export async function putJson(store: BlobStore, mediaType: string, value: unknown, extra: Partial<Descriptor> = {}): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await store.putBlob(digest, Readable.from([bytes]), bytes.length);
  return { mediaType, digest, size: bytes.length, ...extra };
}
