// An image's layers as LayerSources, and its flattened root filesystem (what build unpacks).
import type { Descriptor } from '../types.js';
import type { LayoutStore } from '../cache/store.js';
import type { ResolvedImage } from '../cache/resolve.js';
import { flattenLayers, type FlatEntry, type LayerSource } from './flatten.js';
import { MIN_BLOB_SIZE, type UnpackedLayers } from './unpacked.js';

/**
 * The layers of an image as sources; with `unpacked`, the larger ones are read from (or copied
 * into) that cache of uncompressed layers, found by the diff_ids of the image's config.
 */
export function imageLayerSources(store: LayoutStore, layers: Descriptor[], diffIds: string[] = [], unpacked?: UnpackedLayers): LayerSource[] {
  return layers.map((l, i) => {
    const diffId = diffIds.length === layers.length ? diffIds[i] : undefined;
    const keep = unpacked && diffId && l.size >= MIN_BLOB_SIZE;
    return { name: l.digest, open: () => store.openBlob(l.digest), ...(keep && { unpacked: { layers: unpacked, diffId } }) };
  });
}

/** The merged root filesystem of a resolved image, as entries. */
export function imageRootfs(store: LayoutStore, image: ResolvedImage, unpacked?: UnpackedLayers): AsyncGenerator<FlatEntry> {
  return flattenLayers(imageLayerSources(store, image.layers, image.config.rootfs?.diff_ids, unpacked));
}
