// Pushing an image from an ImageStore (the cache) to a registry: layers and configs first
// (skipped when the registry has them, mounted across repositories of the same registry when
// it can), then the image manifests by digest, then the root (index or manifest) by tag.
import type { ImageStore } from './store.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';
import { normalizeReference, parseReference, referenceString, type Reference } from './reference.js';
import { isIndexMediaType } from './cache/media.js';
import { RegistryClient, type RegistryClientOptions } from './registry/client.js';
import { runLimited } from './limit.js';
import { formatPlatform } from './cache/platform.js';
import { isAttestation } from './cache/media.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { byteProgress } from './progress.js';

export interface PushOptions {
  /** Push even if the registry already has this exact root under the tag. */
  override?: boolean;
  /** Also tag each platform's image as `TAG-ARCH` (LinuxKit's `cache push --with-arch-tags`). */
  withArchTags?: boolean;
  /** Upload blobs in PATCH chunks of this many bytes instead of one PUT. */
  chunkSize?: number;
  concurrency?: number;
  client?: RegistryClient;
  registry?: RegistryClientOptions;
}

export interface PushResult {
  /** The reference pushed to. */
  ref: string;
  digest: string;
  /** False when the registry already had it (and `override` was not set). */
  pushed: boolean;
  blobs: { uploaded: number; mounted: number; existing: number };
}

/**
 * Pushes the image the store knows as `ref` to `remoteRef` (default: `ref` itself). Every
 * manifest the root needs must be in the store or already in the target repository.
 */
export async function pushImage(ref: string, store: ImageStore, remoteRef?: string, opts: PushOptions = {}): Promise<PushResult> {
  const local = normalizeReference(ref);
  const target = parseReference(remoteRef ?? local);
  const targetName = referenceString(target);
  const root = await store.resolve(local);
  if (!root) throw new UserError(`image ${local} is not in the cache`);
  const client = opts.client ?? new RegistryClient(opts.registry);
  try {
    return await pushWith(client, store, local, root, target, targetName, opts);
  } finally {
    if (!opts.client) client.close();
  }
}

async function pushWith(
  client: RegistryClient,
  store: ImageStore,
  local: string,
  root: Descriptor,
  target: Reference,
  targetName: string,
  opts: PushOptions,
): Promise<PushResult> {
  const result: PushResult = { ref: targetName, digest: root.digest, pushed: false, blobs: { uploaded: 0, mounted: 0, existing: 0 } };
  if (!opts.override) {
    const remote = await client.headManifest(target, true);
    if (remote?.digest === root.digest) {
      log.info(`${targetName} is already in the registry with digest ${root.digest}, not pushing`);
      return result;
    }
  }
  const rootBody = await store.readBlob(root.digest);
  const rootDoc = JSON.parse(rootBody.toString('utf8')) as ImageIndex & ImageManifest;
  const isIndex = isIndexMediaType(root.mediaType) || Array.isArray(rootDoc.manifests);

  // The image manifests to push, with their bodies.
  const images: Array<{ desc: Descriptor; body: Buffer; manifest: ImageManifest }> = [];
  if (isIndex) {
    for (const d of rootDoc.manifests) {
      if (await store.hasBlob(d.digest)) {
        const body = await store.readBlob(d.digest);
        images.push({ desc: d, body, manifest: JSON.parse(body.toString('utf8')) as ImageManifest });
      } else if (!(await client.headManifest({ domain: target.domain, path: target.path, digest: d.digest }, true))) {
        const what = d.platform ? formatPlatform(d.platform) : 'no platform';
        throw new UserError(
          `cannot push ${local} as ${targetName}: its index lists manifest ${d.digest} (${what}), which is neither in the cache nor in ${target.domain}/${target.path}; pull the image for every platform first`,
        );
      }
    }
  } else {
    images.push({ desc: root, body: rootBody, manifest: rootDoc });
  }

  // Same registry, other repository: the registry can link blobs instead of receiving them.
  const source = parseReference(local);
  const mountFrom = source.domain === target.domain && source.path !== target.path ? source : undefined;
  const blobs = new Map<string, Descriptor>();
  for (const { manifest } of images) for (const b of [manifest.config, ...manifest.layers]) blobs.set(b.digest, b);
  const progress = byteProgress(
    `push ${targetName}`,
    [...blobs.values()].reduce((n, b) => n + b.size, 0),
  );
  await runLimited([...blobs.values()], opts.concurrency ?? 3, async (b) => {
    const how = await client.pushBlob(target, b, () => store.openBlob(b.digest), {
      ...(mountFrom ? { mountFrom } : {}),
      ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}),
    });
    if (how === 'uploaded') result.blobs.uploaded++;
    else if (how === 'mounted') result.blobs.mounted++;
    else result.blobs.existing++;
    progress.add(b.size);
  }).finally(() => progress.stop());

  if (isIndex) {
    for (const { desc, body } of images) {
      await client.putManifest({ domain: target.domain, path: target.path, digest: desc.digest }, desc.mediaType, body);
    }
  }
  const tagged: Reference = target.tag ? { domain: target.domain, path: target.path, tag: target.tag } : target;
  const digest = await client.putManifest(tagged, root.mediaType, rootBody);
  if (digest !== root.digest) throw new UserError(`registry stored ${targetName} as ${digest}, expected ${root.digest}`);
  result.pushed = true;
  log.info(`pushed ${local} as ${targetName} (${root.digest})`);
  if (opts.withArchTags && isIndex && target.tag) {
    for (const { desc, body } of images) {
      if (!desc.platform || isAttestation(desc)) continue;
      const archTag = `${target.tag}-${desc.platform.architecture}`;
      await client.putManifest({ domain: target.domain, path: target.path, tag: archTag }, desc.mediaType, body);
      log.info(`pushed ${targetName}-${desc.platform.architecture}`);
    }
  }
  return result;
}
