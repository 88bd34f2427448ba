// Images for a build come from the cache; a missing one (or any, with --pull) is pulled first.
import { resolveImage, type LayoutStore } from '../oci/index.js';
import { imageRootfs } from '../oci/index.js';
import type { UnpackedLayers } from '../oci/index.js';
import { pullImage } from '../oci/index.js';
import { parseNormalizedNamed, referenceString } from '../oci/index.js';
import { RegistryClient, type RegistryClientOptions } from '../oci/index.js';
import { readSboms } from '../oci/index.js';
import type { ImageResolver, ResolvedImage } from './image-source.js';

export interface CacheResolverOptions {
  store: LayoutStore;
  /** Target architecture (amd64, arm64, …); the OS is linux. */
  arch: string;
  /** Pull every image even when the cache has it (`build --pull`). */
  pull: boolean;
  registry?: RegistryClientOptions;
  /** Where layers are kept uncompressed between builds (none: every layer is inflated). */
  unpacked?: UnpackedLayers;
}

export class CacheResolver implements ImageResolver {
  private readonly seen = new Map<string, Promise<ResolvedImage>>();
  private client?: RegistryClient;

  constructor(private readonly opts: CacheResolverOptions) {}

  resolve(text: string): Promise<ResolvedImage> {
    let found = this.seen.get(text);
    if (!found) {
      found = this.load(text);
      this.seen.set(text, found);
    }
    return found;
  }

  /** Closes the registry connections, if any were opened. */
  close(): void {
    this.client?.close();
  }

  private async load(text: string): Promise<ResolvedImage> {
    const { store, arch } = this.opts;
    // The registry is only contacted when the cache lacks something (or with --pull).
    this.client ??= new RegistryClient(this.opts.registry);
    const { unpacked } = this.opts;
    const { ref } = await pullImage(text, store, { arch, alwaysPull: this.opts.pull, client: this.client, ...(unpacked && { unpacked }) });
    const img = await resolveImage(store, ref, { os: 'linux', architecture: arch });
    return {
      // LinuxKit names images in its output as containerd prints them: expanded, no :latest added.
      ref: referenceString(parseNormalizedNamed(text)),
      config: img.config,
      entries: () => imageRootfs(store, img, this.opts.unpacked),
      sboms: () => readSboms(store, img.index, img.manifestDescriptor.digest),
    };
  }
}
