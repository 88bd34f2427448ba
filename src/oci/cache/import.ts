// `cache import`: images from a tar into the cache, offline. Two kinds of tar are read in one
// streaming pass (the input may be stdin, so it is never read twice):
// - an OCI image layout tar (`docker buildx --output type=oci`, `skopeo copy … oci-archive:`,
//   `docker save` since Docker 25): blobs/sha256/<hex> are verified against their names while
//   stored; index.json names the images;
// - a `docker save` / `skopeo copy … docker-archive:` tar: manifest.json lists config and layer
//   files, which are stored under the digests of their content; an OCI manifest and a
//   one-platform index are written for each image, as a registry pull would leave it.
// Names: the `io.containerd.image.name` annotation (BuildKit, Docker), else
// `org.opencontainers.image.ref.name` when it is a reference (not just a tag), else the
// docker RepoTags, else the `name` option; an image with none is stored but reported unnamed.
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { MediaType, REF_NAME_ANNOTATION, type Descriptor, type ImageIndex, type ImageManifest, type Platform } from '../types.js';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';
import { decompressed, detectCompression } from '../layer/decompress.js';
import { readTar } from '../../tar/index.js';
import { CONTAINERD_IMAGE_NAME_ANNOTATION } from './layout.js';
import { checkDescriptor, checkMediaType } from '../descriptor.js';
import { isIndexMediaType, isManifestMediaType } from './media.js';
import { normalizeReference as expandReference } from '../reference.js';
import { kindOf } from './resolve.js';
import { validateEntry } from './validate.js';
import type { IngestedBlob, LayoutStore } from './store.js';

export interface ImportOptions {
  /** Name for images the tar does not name. */
  name?: string;
}

export interface ImportedImage {
  ref?: string;
  descriptor: Descriptor;
}

/** JSON files in the tar's root are small; refuse absurd ones rather than buffer them. */
const MAX_JSON = 16 * 1024 * 1024;
const BLOB_PATH = /^blobs\/sha256\/([0-9a-f]{64})$/;
const DOCKER_ARCHIVE_FILE = /(\.tar|\.tar\.gz|\.tgz|\.tar\.zst|\.json)$|^sha256:[0-9a-f]{64}$/;

async function readSmall(body: Readable, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += (c as Buffer).length;
    if (size > MAX_JSON) throw new UserError(`${name} in the tar is larger than ${MAX_JSON} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseJson<T>(buf: Buffer, name: string): T {
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (err) {
    throw new UserError(`${name} in the tar is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** The cache name an OCI index entry of an imported tar carries, if any. */
function nameOf(desc: Descriptor): string | undefined {
  const containerd = desc.annotations?.[CONTAINERD_IMAGE_NAME_ANNOTATION];
  if (containerd) return expandReference(containerd);
  const ref = desc.annotations?.[REF_NAME_ANNOTATION];
  // Per the image-spec this is often only a tag ("latest"); only a name with a repository counts.
  if (ref && (ref.includes('/') || /^[a-z0-9._-]+[:@]/.test(ref))) return expandReference(ref);
  return undefined;
}

interface DockerArchiveItem {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Imports every image of an OCI layout tar or docker-save tar (maybe compressed) from `source`. */
export async function importImages(store: LayoutStore, source: Readable, opts: ImportOptions = {}): Promise<ImportedImage[]> {
  const { stream } = await decompressed(source);
  let indexJson: Buffer | undefined;
  let manifestJson: Buffer | undefined;
  const files = new Map<string, IngestedBlob>();
  const symlinks = new Map<string, string>();
  /** Blobs of an OCI tar this import added: removed again when it fails, so it stores nothing. */
  const added: string[] = [];
  try {
    return await importEntries();
  } catch (err) {
    for (const digest of added) await store.removeBlob(digest);
    throw err;
  }

  async function importEntries(): Promise<ImportedImage[]> {
    for await (const entry of readTar(stream, 'image tar')) {
      if (entry.type === 'symlink') {
        symlinks.set(entry.path, posix.join(posix.dirname(entry.path), entry.linkname ?? ''));
        continue;
      }
      if (entry.type !== 'file') continue;
      const blob = BLOB_PATH.exec(entry.path);
      if (blob) {
        const digest = `sha256:${blob[1]}`;
        if (!(await store.hasBlob(digest))) added.push(digest);
        await store.putBlob(digest, entry.body, entry.size);
        files.set(entry.path, { digest, size: entry.size, head: Buffer.alloc(0) });
      } else if (entry.path === 'index.json') {
        indexJson = await readSmall(entry.body, entry.path);
      } else if (entry.path === 'manifest.json') {
        manifestJson = await readSmall(entry.body, entry.path);
      } else if (DOCKER_ARCHIVE_FILE.test(entry.path)) {
        files.set(entry.path, await store.ingestBlob(entry.body));
      } else {
        log.debug(`import: ignoring ${entry.path}`);
      }
    }
    if (indexJson) return importOciIndex(store, parseJson<ImageIndex>(indexJson, 'index.json'), opts);
    if (manifestJson) {
      const resolveFile = (p: string): IngestedBlob => {
        let path = posix.normalize(p);
        for (let i = 0; i < 16 && symlinks.has(path); i++) path = posix.normalize(symlinks.get(path)!);
        const f = files.get(path);
        if (!f) throw new UserError(`manifest.json names ${p}, which is not in the tar`);
        return f;
      };
      return importDockerArchive(store, parseJson<DockerArchiveItem[]>(manifestJson, 'manifest.json'), resolveFile, opts);
    }
    throw new UserError('the tar has neither index.json (OCI image layout) nor manifest.json (docker save); nothing to import');
  }
}

async function importOciIndex(store: LayoutStore, index: ImageIndex, opts: ImportOptions): Promise<ImportedImage[]> {
  const out: ImportedImage[] = [];
  if (!Array.isArray(index.manifests)) throw new UserError('index.json of the tar has no manifests list');
  // Checked first: these descriptors name blob files and go into the cache's own index.json.
  index.manifests.forEach((d, i) => checkDescriptor(d, `index.json of the tar: manifests[${i}]`));
  // Every image is checked whole (manifests, configs, layers: as the cache is checked for a
  // build) before any is named, so a broken tar leaves the cache as it was.
  for (const desc of index.manifests) {
    if (!(await store.hasBlob(desc.digest))) {
      throw new UserError(`index.json of the tar names ${desc.digest}, which is not among its blobs; nothing was imported`);
    }
    const ref = nameOf(desc) ?? (opts.name ? expandReference(opts.name) : undefined);
    const fixed = await withTrueMediaType(store, desc);
    const report = await validateEntry(store, ref ?? desc.digest, fixed);
    const problems = report.problems.length || report.platforms.length ? report.problems : ['no platform has its manifest, config and layers'];
    if (problems.length) {
      throw new UserError(`image ${ref ?? desc.digest} in the tar is incomplete: ${problems.join('; ')}; nothing was imported`);
    }
    out.push({ ...(ref ? { ref } : {}), descriptor: fixed });
  }
  // One update of index.json for every image of the tar (one lock, one rewrite).
  await store.tagAll(out.flatMap(({ ref, descriptor }) => (ref ? [{ ref, desc: descriptor }] : [])));
  return out;
}

/** LinuxKit's `cache export --format oci` labels a manifest as an index; label it by its content. */
async function withTrueMediaType(store: LayoutStore, desc: Descriptor): Promise<Descriptor> {
  const body = await store.readJsonBlob<{ mediaType?: string; manifests?: unknown; layers?: unknown }>(desc.digest);
  const kind = kindOf(desc, body);
  const own = body.mediaType === undefined ? undefined : checkMediaType(body.mediaType, `blob ${desc.digest} of the tar`);
  if (kind === 'manifest' && !isManifestMediaType(desc.mediaType)) return { ...desc, mediaType: own ?? MediaType.ociManifest };
  if (kind === 'index' && !isIndexMediaType(desc.mediaType)) return { ...desc, mediaType: own ?? MediaType.ociIndex };
  return desc;
}

function layerMediaType(head: Buffer): string {
  switch (detectCompression(head)) {
    case 'gzip':
      return MediaType.ociLayerGzip;
    case 'zstd':
      return MediaType.ociLayerZstd;
    case 'none':
      return MediaType.ociLayer;
  }
}

async function putJson(store: LayoutStore, value: unknown): Promise<{ digest: string; size: number }> {
  const body = Buffer.from(JSON.stringify(value));
  const got = await store.ingestBlob(Readable.from([body]));
  return { digest: got.digest, size: got.size };
}

async function importDockerArchive(
  store: LayoutStore,
  items: DockerArchiveItem[],
  file: (p: string) => IngestedBlob,
  opts: ImportOptions,
): Promise<ImportedImage[]> {
  if (!Array.isArray(items)) throw new UserError('manifest.json of the tar is not a list of images');
  const out: ImportedImage[] = [];
  for (const item of items) {
    const cfgBlob = file(item.Config);
    const config = await store.readJsonBlob<{ os?: string; architecture?: string; variant?: string }>(cfgBlob.digest);
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: cfgBlob.digest, size: cfgBlob.size },
      layers: item.Layers.map((l) => {
        const b = file(l);
        return { mediaType: layerMediaType(b.head), digest: b.digest, size: b.size };
      }),
    };
    const m = await putJson(store, manifest);
    const platform: Platform = {
      architecture: config.architecture ?? 'amd64',
      os: config.os ?? 'linux',
      ...(config.variant ? { variant: config.variant } : {}),
    };
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [{ mediaType: MediaType.ociManifest, digest: m.digest, size: m.size, platform }],
    };
    const idx = await putJson(store, index);
    const descriptor: Descriptor = { mediaType: MediaType.ociIndex, digest: idx.digest, size: idx.size };
    const names = (item.RepoTags ?? []).map(expandReference);
    if (!names.length && opts.name) names.push(expandReference(opts.name));
    await store.tagAll(names.map((ref) => ({ ref, desc: descriptor })));
    for (const ref of names) out.push({ ref, descriptor });
    if (!names.length) out.push({ descriptor });
  }
  return out;
}
