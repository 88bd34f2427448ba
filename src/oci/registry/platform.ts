// Which manifests of a remote index a pull needs. The platform vocabulary itself (parsing,
// matching, attestations) is the cache's (src/oci/cache/platform.ts, media.ts): one place.
import type { Descriptor, ImageIndex, Platform } from '../types.js';
import { UserError } from '../../util/index.js';
import { formatPlatform, platformMatches } from '../cache/platform.js';
import { isAttestation, isManifestMediaType } from '../cache/media.js';

/** The platforms of an index's image entries, for messages. */
export function availablePlatforms(index: ImageIndex): string[] {
  return index.manifests.filter((d) => isManifestMediaType(d.mediaType) && d.platform && !isAttestation(d)).map((d) => formatPlatform(d.platform));
}

/**
 * The image manifests of `index` for each wanted platform (an exact variant match first), in
 * the order asked. One UserError names every platform missing and every platform available.
 */
export function selectManifests(index: ImageIndex, wants: Platform[], image: string): Descriptor[] {
  const images = index.manifests.filter((d) => isManifestMediaType(d.mediaType) && d.platform && !isAttestation(d));
  const out: Descriptor[] = [];
  const missing: string[] = [];
  for (const want of wants) {
    const candidates = images.filter((d) => platformMatches(d.platform, want));
    const best = candidates.find((d) => (d.platform!.variant ?? '') === (want.variant ?? '')) ?? candidates[0];
    if (!best) missing.push(formatPlatform(want));
    else if (!out.includes(best)) out.push(best);
  }
  if (missing.length) {
    const avail = availablePlatforms(index);
    throw new UserError(`image ${image} has no manifest for platform ${missing.join(', ')}; available: ${avail.length ? avail.join(', ') : 'none'}`);
  }
  return out;
}

/**
 * The index's manifests that belong to no platform: attestations (unknown/unknown) and entries
 * without a platform. They are small, and LinuxKit's cache validation (lk:cache/pull.go
 * ValidateImage) checks every one of them before it trusts a cached index, so a cache we
 * write must hold them all for LinuxKit to use it offline.
 */
export function platformlessManifests(index: ImageIndex): Descriptor[] {
  return index.manifests.filter((d) => isManifestMediaType(d.mediaType) && (!d.platform || isAttestation(d)));
}
