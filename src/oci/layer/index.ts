// Layers: decompression, tar reading, flattening a layer stack, unpacking to a directory.
export { detectCompression, decompressed, peek, type Compression } from './decompress.js';
export { normalizeEntryPath, type EntryType, type TarEntry } from './entry.js';
export { readTar } from './tar.js';
export { Confinement, confineEntries, isRefused, type Placed } from './confine.js';
export { flattenLayers, whiteoutOf, type FlatEntry, type LayerSource } from './flatten.js';
export { extractToDirectory, resolveInRoot, type ExtractOptions } from './extract.js';
export { packEntries, tarHeader } from './pack.js';
export { installBinaryPax, xattrsFromPax, xattrsToPax } from './pax.js';
export { imageLayerSources, imageRootfs } from './image.js';
