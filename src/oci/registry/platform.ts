// Platforms: parsing `--arch`/`--platforms` values, matching them against an index's entries
// (containerd's rules: os and architecture equal; a variant asked for must match, with arm64's
// missing variant meaning v8), and the error that lists what an image offers.
import type { Descriptor, ImageIndex, Platform } from '../types.js';
import { MediaType } from '../types.js';
import { UserError } from '../../util/errors.js';

/** Architecture aliases as users type them (`uname -m`, Node's process.arch) → OCI names. */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  x64: 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  ppc64el: 'ppc64le',
  ppc64: 'ppc64le',
  i386: '386',
  ia32: '386',
};

export function normalizeArch(arch: string): string {
  return ARCH_ALIASES[arch] ?? arch;
}

/** The architecture Node runs on, as an OCI name: the default `--arch`. */
export function hostArch(): string {
  return normalizeArch(process.arch);
}

/** `amd64`, `arm64`, `arm/v7`, `linux/arm64`, `linux/arm/v7` → a Platform (os defaults to linux). */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.some((p) => p === '') || parts.length > 3) throw new UserError(`invalid platform "${s}": use ARCH, OS/ARCH or OS/ARCH/VARIANT`);
  const known = new Set(['linux', 'windows', 'darwin', 'freebsd']);
  if (!known.has(parts[0]!)) parts.unshift('linux');
  if (parts.length > 3) throw new UserError(`invalid platform "${s}"`);
  const p: Platform = { os: parts[0]!, architecture: normalizeArch(parts[1] ?? '') };
  if (!p.architecture) throw new UserError(`invalid platform "${s}": no architecture`);
  if (parts[2]) p.variant = parts[2];
  return p;
}

export function platformString(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

function effectiveVariant(p: Platform): string | undefined {
  if (p.variant) return p.variant;
  if (p.architecture === 'arm64') return 'v8';
  return undefined;
}

/** True if `have` (an index entry or image config) satisfies `want`. */
export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || normalizeArch(want.architecture) !== normalizeArch(have.architecture)) return false;
  if (!want.variant) return true;
  return effectiveVariant(want) === effectiveVariant(have);
}

const IMAGE_MANIFEST_TYPES = new Set<string>([MediaType.ociManifest, MediaType.dockerManifest]);

/** Attestation manifests (BuildKit's SBOM/provenance) sit in an index as platform unknown/unknown. */
export function isAttestation(d: Descriptor): boolean {
  return !d.platform || (d.platform.os === 'unknown' && d.platform.architecture === 'unknown');
}

/** The platforms of an index's image entries, for messages. */
export function availablePlatforms(index: ImageIndex): string[] {
  return index.manifests
    .filter((d) => IMAGE_MANIFEST_TYPES.has(d.mediaType) && !isAttestation(d))
    .map((d) => platformString(d.platform!));
}

/**
 * The image manifests of `index` for each wanted platform (the first match each), in the
 * order asked. Throws a UserError naming the platforms the image does have.
 */
export function selectManifests(index: ImageIndex, wants: Platform[], image: string): Descriptor[] {
  const out: Descriptor[] = [];
  const missing: string[] = [];
  for (const want of wants) {
    // An exact variant match beats a variant-less one (arm64 vs arm64/v8 entries).
    const candidates = index.manifests.filter(
      (d) => IMAGE_MANIFEST_TYPES.has(d.mediaType) && d.platform && !isAttestation(d) && platformMatches(want, d.platform),
    );
    const best = candidates.find((d) => d.platform!.variant === want.variant) ?? candidates[0];
    if (best) {
      if (!out.includes(best)) out.push(best);
    } else missing.push(platformString(want));
  }
  if (missing.length) {
    const avail = availablePlatforms(index);
    throw new UserError(
      `${image} has no image for ${missing.join(', ')}; available platforms: ${avail.length ? avail.join(', ') : 'none'}`,
    );
  }
  return out;
}

/**
 * Every attestation manifest of an index. They are small, and LinuxKit's cache validation
 * (ValidateImage) requires all of them to be present before it trusts a cached index, so a
 * cache we write must hold them for LinuxKit to use it offline.
 */
export function attestations(index: ImageIndex): Descriptor[] {
  return index.manifests.filter((d) => isAttestation(d) && IMAGE_MANIFEST_TYPES.has(d.mediaType));
}
