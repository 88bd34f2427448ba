// Builders for test images and layers: real tar bytes (src/tar's writer), real gzip, real OCI JSON.
// For tests only (src/oci's own and test/'s end-to-end ones); not in the published package.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { LayoutStore } from './cache/store.js';
import { MediaType, type Descriptor, type Platform } from './types.js';
import { tarBuffer, type TarHeader } from '../tar/index.js';

export async function tempDir(t: { after(fn: () => unknown): void }, prefix = 'lkts-cache-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export type TarSpec = TarHeader & { content?: string | Buffer };

/** A tar archive (uncompressed) of the given entries, in order. */
export async function makeTar(entries: TarSpec[]): Promise<Buffer> {
  return tarBuffer(
    entries.map(({ content, ...header }) => {
      const body = content === undefined ? undefined : Buffer.from(content);
      return {
        header: { mode: header.type === 'directory' ? 0o755 : 0o644, mtime: new Date(1_000_000_000_000), ...header, size: body?.length ?? 0 },
        data: body,
      };
    }),
  );
}

export async function putBytes(store: LayoutStore, data: Buffer | string, mediaType: string, extra: Partial<Descriptor> = {}): Promise<Descriptor> {
  const buf = Buffer.from(data);
  const digest = sha256(buf);
  await store.putBlob(digest, Readable.from([buf]), buf.length);
  return { mediaType, digest, size: buf.length, ...extra };
}

/** Stores a one-platform image (gzip layers) and returns its manifest descriptor. */
export async function putImage(
  store: LayoutStore,
  layers: Buffer[],
  platform: Platform = { os: 'linux', architecture: 'amd64' },
  config: Record<string, unknown> = {},
): Promise<Descriptor> {
  const layerDescs: Descriptor[] = [];
  const diffIds: string[] = [];
  for (const l of layers) {
    diffIds.push(sha256(l));
    layerDescs.push(await putBytes(store, gzipSync(l), MediaType.ociLayerGzip));
  }
  const cfg = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config,
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  const configDesc = await putBytes(store, JSON.stringify(cfg), MediaType.ociConfig);
  const manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDesc, layers: layerDescs };
  return putBytes(store, JSON.stringify(manifest), MediaType.ociManifest, { platform });
}

/** Stores an index over the given manifests. */
export async function putIndex(store: LayoutStore, manifests: Descriptor[]): Promise<Descriptor> {
  const index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  return putBytes(store, JSON.stringify(index), MediaType.ociIndex);
}

export async function collect(stream: AsyncIterable<Buffer | Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}
