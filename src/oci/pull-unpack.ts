// Which layers a pull also inflates into the unpacked-layer cache (layer/unpacked.ts), and
// under which diff_id: the gzip layers of at least MIN_BLOB_SIZE (as builds, layer/image.ts) of
// the images for the platforms pulled (every platform: this machine's only, the one builds use
// by default), not in that cache yet. A diff_id comes only from the image's config as stored,
// i.e. verified against its digest; pull.ts fetches configs before layers so that a layer
// waits for its config for one small request at most.
import type { ImageStore } from './store.js';
import type { Descriptor, ImageConfigFile, ImageManifest, Platform } from './types.js';
import { hostPlatform, platformMatches } from './cache/platform.js';
import { MIN_BLOB_SIZE, type UnpackedLayers } from './layer/unpacked.js';

export interface UnpackTarget {
  layers: UnpackedLayers;
  diffId: string;
}

export class PullUnpack {
  /** Layer digest → the config naming its diff_id, and the layer's place in the manifest. */
  private readonly sources = new Map<string, { config: string; index: number; count: number }>();
  /** Config digest → settled once its download is over (configs already stored: absent). */
  private readonly downloads = new Map<string, { done: Promise<void>; settle: () => void }>();
  private readonly platforms: Platform[];

  constructor(
    private readonly layers: UnpackedLayers,
    private readonly store: ImageStore,
    images: ImageManifest[],
    wants: Platform[] | 'all',
  ) {
    this.platforms = wants === 'all' ? [hostPlatform()] : wants;
    for (const m of images) {
      m.layers.forEach((l, index) => {
        if (l.size >= MIN_BLOB_SIZE && !this.sources.has(l.digest)) this.sources.set(l.digest, { config: m.config.digest, index, count: m.layers.length });
      });
    }
  }

  /** Whether `blob` is a config some layer's diff_id is read from (it is then fetched first). */
  isConfig(blob: Descriptor): boolean {
    for (const s of this.sources.values()) if (s.config === blob.digest) return true;
    return false;
  }

  /** Says that `config` is being downloaded; call the result when that is over, stored or not. */
  downloading(config: string): () => void {
    let settle = (): void => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    this.downloads.set(config, { done, settle });
    return settle;
  }

  /** Where `layer`'s inflated copy goes, or undefined when it is not to be inflated. */
  async target(layer: Descriptor): Promise<UnpackTarget | undefined> {
    const source = this.sources.get(layer.digest);
    if (!source) return undefined;
    await this.downloads.get(source.config)?.done;
    let config: ImageConfigFile;
    try {
      config = JSON.parse((await this.store.readBlob(source.config)).toString('utf8')) as ImageConfigFile;
    } catch {
      return undefined; // not stored (its download failed) or not JSON: the pull says why
    }
    // Whatever the registry sent, it is only a reason not to inflate, never to fail the pull.
    if (typeof config !== 'object' || config === null) return undefined;
    const platform: Platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
    if (!this.platforms.some((p) => platformMatches(platform, p))) return undefined;
    const diffIds = config.rootfs?.diff_ids;
    const diffId = Array.isArray(diffIds) && diffIds.length === source.count ? diffIds[source.index] : undefined;
    if (typeof diffId !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(diffId) || (await this.layers.has(diffId))) return undefined;
    return { layers: this.layers, diffId };
  }
}
