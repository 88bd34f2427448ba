// An image's layers as LayerSources, and its flattened root filesystem (what build unpacks).
import type { Descriptor } from '../types.js';
import type { LayoutStore } from '../cache/store.js';
import type { ResolvedImage } from '../cache/resolve.js';
import { flattenLayers, type FlatEntry, type LayerSource } from './flatten.js';

export function imageLayerSources(store: LayoutStore, layers: Descriptor[]): LayerSource[] {
  return layers.map((l) => ({ name: l.digest, open: () => store.openBlob(l.digest) }));
}

/** The merged root filesystem of a resolved image, as entries. */
export function imageRootfs(store: LayoutStore, image: ResolvedImage): AsyncGenerator<FlatEntry> {
  return flattenLayers(imageLayerSources(store, image.layers));
}
