// Layers: decompression, flattening a layer stack, unpacking to a directory (tar itself: src/tar).
export { detectCompression, decompressed, peek, toolDecompress, type Compression } from './decompress.js';
export { Confinement, confineEntries, isRefused, type Placed } from './confine.js';
export { flattenLayers, whiteoutOf, type FlatEntry, type LayerSource } from './flatten.js';
export { extractToDirectory, resolveInRoot, type ExtractOptions } from './extract.js';
export { imageLayerSources, imageRootfs } from './image.js';
export * from './unpacked.js';
export * from './image.js';
export * from './extract.js';
