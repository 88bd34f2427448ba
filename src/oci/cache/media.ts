// Which media types are indexes and which are image manifests (OCI and Docker v2).
import { MediaType, type Descriptor } from '../types.js';

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

/** Manifests in an index that are attestations (BuildKit: platform unknown/unknown), not images. */
export function isAttestation(desc: Descriptor): boolean {
  return (
    (desc.platform?.os === 'unknown' && desc.platform?.architecture === 'unknown') || desc.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
  );
}
