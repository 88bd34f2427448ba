// `cache export`: one image of the cache, for one platform, as an OCI layout tar, a
// `docker load` tar, or its flattened root filesystem (a tar, or unpacked into a directory).
import { Readable } from 'node:stream';
import { packEntries, tarStream } from '../../tar/index.js';
import { REF_NAME_ANNOTATION, type Descriptor, type Platform } from '../types.js';
import { detectCompression } from '../layer/decompress.js';
import { confineEntries } from '../layer/confine.js';
import { imageRootfs } from '../layer/image.js';
import { CONTAINERD_IMAGE_NAME_ANNOTATION, digestHex, OCI_LAYOUT_VERSION } from './layout.js';
import { resolveImage, type ResolvedImage } from './resolve.js';
import type { LayoutStore } from './store.js';

export const EXPORT_FORMATS = ['oci', 'docker', 'filesystem'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  platform: Platform;
  /** The name written into the tar (oci, docker); default: the image's own reference. */
  name?: string;
}

const FIXED_MTIME = new Date(0);

type Item = { name: string; type?: 'directory'; size?: number; body?: () => Readable | Buffer };

/** A tar of `items`, written lazily as it is read. */
function tarOf(items: AsyncIterable<Item> | Iterable<Item>): Readable {
  return tarStream(
    (async function* () {
      for await (const it of items) {
        const header = {
          name: it.name,
          mtime: FIXED_MTIME,
          mode: it.type === 'directory' ? 0o755 : 0o644,
          type: it.type ?? ('file' as const),
          size: it.size ?? 0,
        };
        const body = it.body?.();
        yield { header: Buffer.isBuffer(body) ? { ...header, size: body.length } : header, data: body };
      }
    })(),
  );
}

function blobItem(store: LayoutStore, name: string, d: Descriptor): Item {
  return { name, size: d.size, body: () => store.openBlob(d.digest) };
}

/** The OCI layout tar of one image: what `docker buildx --output type=oci` or skopeo writes. */
function ociTar(store: LayoutStore, img: ResolvedImage, name: string): Readable {
  const m = img.manifestDescriptor;
  const entry: Descriptor = {
    mediaType: m.mediaType,
    digest: m.digest,
    size: m.size,
    platform: img.platform,
    // Both names, so LinuxKit's and containerd's importers (which read io.containerd.image.name)
    // and skopeo/OCI tools (which read ref.name) all find it.
    annotations: { [REF_NAME_ANNOTATION]: name, [CONTAINERD_IMAGE_NAME_ANNOTATION]: name },
  };
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry] };
  const hex = (d: Descriptor): string => `blobs/sha256/${digestHex(d.digest)}`;
  const seen = new Set<string>();
  const blobs = [img.manifest.config, ...img.layers, m].filter((d) => !seen.has(d.digest) && seen.add(d.digest));
  return tarOf([
    { name: 'oci-layout', body: () => Buffer.from(JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION })) },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...blobs.map((d) => blobItem(store, hex(d), d)),
    { name: 'index.json', body: () => Buffer.from(JSON.stringify(index)) },
  ]);
}

/** Layer file suffix by content, as `docker save` and go-containerregistry name them. */
async function layerSuffix(store: LayoutStore, d: Descriptor): Promise<string> {
  const stream = store.openBlob(d.digest);
  const head = await new Promise<Buffer>((resolve, reject) => {
    stream.once('readable', () => resolve((stream.read(4) as Buffer | null) ?? Buffer.alloc(0)));
    stream.once('error', reject);
  });
  stream.destroy();
  return { gzip: '.tar.gz', zstd: '.tar.zst', none: '.tar' }[detectCompression(head)];
}

/** A `docker load` tar (manifest.json + config + layer files). */
async function dockerTar(store: LayoutStore, img: ResolvedImage, name: string): Promise<Readable> {
  const hex = (d: Descriptor): string => digestHex(d.digest);
  const configName = `${hex(img.manifest.config)}.json`;
  const layerNames: string[] = [];
  for (const l of img.layers) layerNames.push(`${hex(l)}${await layerSuffix(store, l)}`);
  const manifest = [{ Config: configName, RepoTags: [name], Layers: layerNames }];
  const seen = new Set<string>();
  return tarOf([
    blobItem(store, configName, img.manifest.config),
    ...img.layers
      .map((l, i) => ({ l, n: layerNames[i]! }))
      .filter(({ n }) => !seen.has(n) && seen.add(n))
      .map(({ l, n }) => blobItem(store, n, l)),
    { name: 'manifest.json', body: () => Buffer.from(JSON.stringify(manifest)) },
  ]);
}

/** The export of `ref` as a tar stream. Resolution errors are thrown before anything is written. */
export async function exportImage(store: LayoutStore, ref: string, opts: ExportOptions): Promise<Readable> {
  const img = await resolveImage(store, ref, opts.platform);
  const name = opts.name ?? ref;
  switch (opts.format) {
    case 'oci':
      return ociTar(store, img, name);
    case 'docker':
      return dockerTar(store, img, name);
    case 'filesystem':
      // Inside its root, as build writes it and as unpacking into a directory (extract.ts) does.
      return packEntries(confineEntries(imageRootfs(store, img), `image ${ref}`));
  }
}
