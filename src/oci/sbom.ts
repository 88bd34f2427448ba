// SBOMs attached to images the way BuildKit attaches them and LinuxKit reads them
// (lk:src/cmd/linuxkit/cache/imagesource.go SBoMs, lk:docs/sbom.md): in an image index, an
// "attestation manifest" annotated vnd.docker.reference.type=attestation-manifest and
// vnd.docker.reference.digest=<the image manifest's digest>, whose layers are in-toto
// statements; those with predicate type https://spdx.dev/Document carry an SPDX document.
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';
import type { ImageStore } from './store.js';

export const ANNOTATION_REFERENCE_TYPE = 'vnd.docker.reference.type';
export const ANNOTATION_REFERENCE_DIGEST = 'vnd.docker.reference.digest';
export const ATTESTATION_MANIFEST = 'attestation-manifest';
export const ANNOTATION_PREDICATE_TYPE = 'in-toto.io/predicate-type';
export const INTOTO_MEDIA_TYPE = 'application/vnd.in-toto+json';
export const INTOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v0.1';
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';

/** The attestation manifest for `manifestDigest` in `index`, if any. */
export function attestationFor(index: ImageIndex, manifestDigest: string): Descriptor | undefined {
  return index.manifests.find(
    (m) => m.annotations?.[ANNOTATION_REFERENCE_TYPE] === ATTESTATION_MANIFEST && m.annotations?.[ANNOTATION_REFERENCE_DIGEST] === manifestDigest,
  );
}

/**
 * The SPDX documents (JSON bytes) attached to the image manifest `manifestDigest` of `index`.
 * An attestation whose blobs are not in the store is skipped: SBOMs are optional extras.
 */
export async function readSboms(store: ImageStore, index: ImageIndex | undefined, manifestDigest: string): Promise<Buffer[]> {
  const att = index && attestationFor(index, manifestDigest);
  if (!att || !(await store.hasBlob(att.digest))) return [];
  const manifest = JSON.parse((await store.readBlob(att.digest)).toString('utf8')) as ImageManifest;
  const docs: Buffer[] = [];
  for (const layer of manifest.layers) {
    if (layer.mediaType !== INTOTO_MEDIA_TYPE || layer.annotations?.[ANNOTATION_PREDICATE_TYPE] !== SPDX_PREDICATE_TYPE) continue;
    if (!(await store.hasBlob(layer.digest))) continue;
    const statement = JSON.parse((await store.readBlob(layer.digest)).toString('utf8')) as { predicateType?: string; predicate?: unknown };
    if (statement.predicateType !== SPDX_PREDICATE_TYPE) continue;
    docs.push(Buffer.from(JSON.stringify(statement.predicate)));
  }
  return docs;
}
