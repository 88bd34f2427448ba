// The image cache: an OCI image layout shared with LinuxKit. See docs/cache.md.
export { LayoutStore, pickRoot, refName, type IngestedBlob } from './store.js';
export { resolveImage, selectManifest, type ResolvedImage } from './resolve.js';
export { validateCache, validateEntry, type EntryReport } from './validate.js';
export { hostArch, hostPlatform, normalizeArch, parsePlatform, formatPlatform, platformMatches } from './platform.js';
export { withCacheLock } from './lock.js';
export { blobPath, digestHex, isDigest, CONTAINERD_IMAGE_NAME_ANNOTATION } from './layout.js';
export { isAttestation, isIndexMediaType, isManifestMediaType } from './media.js';
export * from './platform.js';
export * from './store.js';
export * from './media.js';
export * from './validate.js';
export * from './import.js';
export * from './remove.js';
export * from './resolve.js';
export * from './export.js';
