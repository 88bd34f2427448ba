// From a reference to what `build` needs: ref → root (index or manifest) → the manifest for a
// platform → config + layers, with errors that say which image and which blob.
import type { Descriptor, ImageConfigFile, ImageIndex, ImageManifest, Platform } from '../types.js';
import { UserError } from '../../util/index.js';
import { log } from '../../util/index.js';
import { isAttestation, isIndexMediaType, isManifestMediaType } from './media.js';
import { formatPlatform, platformMatches } from './platform.js';
import type { LayoutStore } from './store.js';

export interface ResolvedImage {
  ref: string;
  /** The index.json entry: an index or a manifest. */
  root: Descriptor;
  /** The root itself when it is an index. */
  index?: ImageIndex;
  /** The image manifest for the platform (the root itself for a single-platform image). */
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfigFile;
  /** The layers, bottom first, as in the manifest. */
  layers: Descriptor[];
  platform: Platform;
}

/** Reads the JSON blob `desc` points at, naming the image when it is missing or bad. */
async function readJson<T>(store: LayoutStore, ref: string, what: string, desc: Descriptor): Promise<T> {
  if (!(await store.hasBlob(desc.digest))) {
    throw new UserError(
      `image ${ref}: ${what} blob ${desc.digest} is missing from the cache ${store.dir}; pull the image again (linuxkit cache rm ${ref}, then build or cache pull)`,
    );
  }
  try {
    return await store.readJsonBlob<T>(desc.digest);
  } catch (err) {
    throw new UserError(`image ${ref}: ${what}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * Whether a root blob is an index or a manifest. Its content decides, not the descriptor: the
 * OCI tars LinuxKit's `cache export` writes call a manifest an index.
 */
export function kindOf(desc: Descriptor, body: { mediaType?: string; manifests?: unknown; layers?: unknown }): 'index' | 'manifest' {
  if (Array.isArray(body.manifests)) return 'index';
  if (Array.isArray(body.layers)) return 'manifest';
  if (isIndexMediaType(body.mediaType) || isIndexMediaType(desc.mediaType)) return 'index';
  if (isManifestMediaType(body.mediaType) || isManifestMediaType(desc.mediaType)) return 'manifest';
  throw new UserError(`${desc.digest} is neither an image index nor an image manifest (media type ${desc.mediaType})`);
}

/** Picks the image manifest for `platform` out of an index (attestations are skipped). */
export function selectManifest(ref: string, index: ImageIndex, platform: Platform): Descriptor {
  const images = index.manifests.filter((m) => !isAttestation(m) && !isIndexMediaType(m.mediaType));
  const exact = images.find((m) => platformMatches(m.platform, platform) && (m.platform?.variant ?? '') === (platform.variant ?? ''));
  const found = exact ?? images.find((m) => platformMatches(m.platform, platform));
  if (found) return found;
  const available = images.map((m) => formatPlatform(m.platform));
  throw new UserError(`image ${ref} has no manifest for platform ${formatPlatform(platform)}; available: ${available.length ? available.join(', ') : 'none'}`);
}

/** Resolves `ref` (fully qualified, as stored) in the cache for `platform`. */
export async function resolveImage(store: LayoutStore, ref: string, platform: Platform): Promise<ResolvedImage> {
  const root = await store.resolve(ref);
  if (!root) throw new UserError(`image ${ref} is not in the cache ${store.dir}`);
  const body = await readJson<ImageIndex & ImageManifest>(store, ref, 'root', root);
  let index: ImageIndex | undefined;
  let manifestDescriptor = root;
  let manifest: ImageManifest;
  if (kindOf(root, body) === 'index') {
    index = body as ImageIndex;
    manifestDescriptor = selectManifest(ref, index, platform);
    manifest = await readJson<ImageManifest>(store, ref, `manifest for ${formatPlatform(manifestDescriptor.platform)}`, manifestDescriptor);
  } else {
    manifest = body as ImageManifest;
  }
  if (!manifest.config || !Array.isArray(manifest.layers)) {
    throw new UserError(`image ${ref}: manifest ${manifestDescriptor.digest} has no config or layers`);
  }
  const config = await readJson<ImageConfigFile>(store, ref, 'config', manifest.config);
  if (!index && config.architecture && (config.architecture !== platform.architecture || (config.os && config.os !== platform.os))) {
    // LinuxKit uses a single-platform image whatever its platform; so do we, but say so.
    log.warn(`image ${ref} is for ${config.os}/${config.architecture}, not ${formatPlatform(platform)}; using it anyway`);
  }
  for (const layer of manifest.layers) {
    const size = await store.blobSize(layer.digest);
    if (size === undefined) {
      throw new UserError(`image ${ref}: layer blob ${layer.digest} is missing from the cache ${store.dir}; pull the image again`);
    }
    if (size !== layer.size) {
      throw new UserError(
        `image ${ref}: layer blob ${layer.digest} is truncated or corrupt (${size} bytes, expected ${layer.size}); remove the image and pull it again`,
      );
    }
  }
  return {
    ref,
    root,
    ...(index ? { index } : {}),
    manifestDescriptor,
    manifest,
    config,
    layers: manifest.layers,
    platform: {
      os: config.os || platform.os,
      architecture: config.architecture || platform.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    },
  };
}
