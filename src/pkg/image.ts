// Writes a built package into the image store as a pulled image is stored: an OCI image index
// (one manifest per platform, each followed by its SBOM attestation manifest) tagged with the
// fully qualified reference. Blobs go in first, the tag last, so a failed build never leaves
// a reference pointing at something incomplete.
import type { ImageStore } from '../oci/index.js';
import {
  MediaType,
  MOBY_CONFIG_LABEL,
  type Descriptor,
  type ImageConfigFile,
  type ImageIndex,
  type ImageManifest,
  type ImageRuntimeConfig,
  type Platform,
} from '../oci/index.js';
import { VERSION } from '../version.js';
import type { DebInfo } from './apt.js';
import { putJson, type LayerResult } from './layer.js';
import { sourceDateEpoch } from './rootfs.js';
import {
  ANNOTATION_PREDICATE_TYPE,
  ANNOTATION_REFERENCE_DIGEST,
  ANNOTATION_REFERENCE_TYPE,
  ATTESTATION_MANIFEST,
  INTOTO_MEDIA_TYPE,
  intotoStatement,
  SPDX_PREDICATE_TYPE,
  spdxDocument,
} from './sbom.js';

/** The PATH BuildKit gives an image that sets none; runc needs one to find executables. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface PlatformImage {
  platform: Platform;
  layer: LayerResult;
  runtime: ImageRuntimeConfig;
  debs: DebInfo[];
}

/** The image's runtime config from build.yml (entrypoint, cmd, env, workdir, config label). */
export function runtimeConfig(opts: {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workdir?: string;
  config?: Record<string, unknown>;
  labels?: Record<string, string>;
}): ImageRuntimeConfig {
  const labels: Record<string, string> = { 'org.mobyproject.linuxkit.version': VERSION, ...opts.labels };
  // LinuxKit stores the build.yml `config:` block as JSON in this label (pkglib/build.go).
  if (opts.config) labels[MOBY_CONFIG_LABEL] = JSON.stringify(opts.config);
  const rc: ImageRuntimeConfig = { Env: opts.env ?? [DEFAULT_PATH_ENV], Labels: labels };
  if (opts.entrypoint) rc.Entrypoint = opts.entrypoint;
  if (opts.cmd) rc.Cmd = opts.cmd;
  rc.WorkingDir = opts.workdir ?? '/';
  return rc;
}

async function writePlatformManifest(store: ImageStore, img: PlatformImage): Promise<Descriptor> {
  const created = new Date(sourceDateEpoch() * 1000).toISOString();
  const config: ImageConfigFile = {
    created,
    architecture: img.platform.architecture,
    os: img.platform.os,
    ...(img.platform.variant ? { variant: img.platform.variant } : {}),
    config: img.runtime,
    rootfs: { type: 'layers', diff_ids: [img.layer.diffId] },
    history: [{ created, created_by: `linuxkit-ts ${VERSION} pkg build (daemonless)` }],
  };
  const configDesc = await putJson(store, MediaType.ociConfig, config);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: configDesc,
    layers: [img.layer.descriptor],
  };
  return putJson(store, MediaType.ociManifest, manifest, { platform: img.platform });
}

async function writeAttestation(store: ImageStore, ref: string, image: Descriptor, debs: DebInfo[]): Promise<Descriptor> {
  const p = image.platform!;
  const platformStr = `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}`;
  const statement = intotoStatement(
    `pkg:docker/${ref}?platform=${encodeURIComponent(platformStr)}`,
    image.digest,
    spdxDocument(ref, debs),
  );
  const layer = await putJson(store, INTOTO_MEDIA_TYPE, statement, {
    annotations: { [ANNOTATION_PREDICATE_TYPE]: SPDX_PREDICATE_TYPE },
  });
  const config = await putJson(store, MediaType.ociConfig, {
    architecture: 'unknown',
    os: 'unknown',
    config: {},
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  });
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [layer] };
  return putJson(store, MediaType.ociManifest, manifest, {
    platform: { architecture: 'unknown', os: 'unknown' },
    annotations: { [ANNOTATION_REFERENCE_DIGEST]: image.digest, [ANNOTATION_REFERENCE_TYPE]: ATTESTATION_MANIFEST },
  });
}

/** Writes every platform's image and SBOM, then the index, then tags `ref`. */
export async function storeImage(store: ImageStore, ref: string, images: PlatformImage[], sbom: boolean): Promise<Descriptor> {
  const manifests: Descriptor[] = [];
  for (const img of images) {
    const desc = await writePlatformManifest(store, img);
    manifests.push(desc);
    if (sbom) manifests.push(await writeAttestation(store, ref, desc, img.debs));
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
  const desc = await putJson(store, MediaType.ociIndex, index);
  await store.tag(ref, desc);
  return desc;
}
