// Pulling an image from a registry into an ImageStore (the cache), the way LinuxKit's cache
// holds it (lk:src/cmd/linuxkit/cache/write.go ImagePull, lk:docs/image-cache.md):
//  - the root (index or manifest) is stored whole and index.json's entry for the fully
//    qualified reference points at it, annotated org.opencontainers.image.ref.name;
//  - of a multi-platform index, only the requested platforms' manifests, configs and layers
//    are fetched, plus the platform-less manifests (attestations), which LinuxKit's validation
//    needs;
//  - blobs are written before the manifests that name them and the tag comes last, so a pull
//    killed at any point leaves the cache as it was, plus some verified blobs;
//  - every descriptor the registry sends is checked against the OCI grammar (descriptor.ts)
//    before it names a request or a file, and an index whose platform entry is itself an index
//    is refused before anything is stored (no build can resolve an image through one).
import { Readable } from 'node:stream';
import type { ImageStore } from './store.js';
import { REF_NAME_ANNOTATION, type Descriptor, type ImageConfigFile, type ImageIndex, type ImageManifest, type Platform } from './types.js';
import { isValidReference, normalizeReference, parseReference, referenceString, type Reference } from './reference.js';
import { isIndexMediaType } from './cache/media.js';
import { RegistryClient, describeNetworkError, type RegistryClientOptions } from './registry/client.js';
import { NetworkError } from './registry/transport.js';
import { checkIndex, checkManifest } from './descriptor.js';
import { platformlessManifests, selectManifests } from './registry/platform.js';
import { formatPlatform, hostArch, parsePlatform, platformMatches } from './cache/platform.js';
import { isAttestation, isManifestMediaType } from './cache/media.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { byteProgress } from './progress.js';
import { runLimited } from './limit.js';
import { PullUnpack, type UnpackTarget } from './pull-unpack.js';
import { InflatingCopy } from './layer/inflate-copy.js';
import type { UnpackedLayers } from './layer/unpacked.js';

export interface PullOptions {
  /** The architecture to pull (`amd64`, `arm64`, …; os linux). Default: this machine's. */
  arch?: string;
  /** Several platforms (`linux/arm/v7`, `arm64`, or Platform objects); overrides `arch`. */
  platforms?: Array<string | Platform>;
  /** Every platform of an index (what `linuxkit cache pull` fetches); overrides both. */
  allPlatforms?: boolean;
  /**
   * Also tag each platform's manifest as `REF-ARCH` (e.g. `…/init:v1-amd64`), as
   * `linuxkit cache pull` does. Only for references with a tag and no digest.
   */
  withArchReferences?: boolean;
  /**
   * When false (the default), an image whose reference is in the store with every blob the
   * platforms need is not fetched again: no network at all, as LinuxKit without --pull.
   */
  alwaysPull?: boolean;
  /** Blobs downloaded at once. */
  concurrency?: number;
  /** A client to reuse (its connections, tokens); else one is made from `registry`. */
  client?: RegistryClient;
  registry?: RegistryClientOptions;
  /**
   * Also inflate the gzip layers downloaded into this cache of unpacked layers as they stream
   * in (pull-unpack.ts says which), so the next build does not inflate them again.
   */
  unpacked?: UnpackedLayers;
}

export interface PullResult {
  /** The fully qualified reference, as tagged in the store. */
  ref: string;
  /** The root descriptor index.json points at. */
  descriptor: Descriptor;
  /** True when the store had it all and nothing was fetched. */
  cached: boolean;
  /** Blobs (configs and layers) downloaded, and their bytes. */
  blobsFetched: number;
  bytesFetched: number;
}

const DEFAULT_CONCURRENCY = 3;
const BLOB_ATTEMPTS = 3;

/** The platforms a pull asks for. */
export function wantedPlatforms(opts: Pick<PullOptions, 'arch' | 'platforms'>): Platform[] {
  if (opts.platforms?.length) return opts.platforms.map((p) => (typeof p === 'string' ? parsePlatform(p) : p));
  return [parsePlatform(opts.arch ?? hostArch())];
}

/**
 * Pulls `ref` (any form Docker accepts; stored under its fully qualified name) into `store`
 * for the platforms asked for, and tags it. Throws UserError for anything a user can fix.
 */
export async function pullImage(ref: string | Reference, store: ImageStore, opts: PullOptions = {}): Promise<PullResult> {
  return (await pullImages([ref], store, opts))[0]!;
}

/**
 * Pulls several images at once, with one client (one connection pool per registry): every
 * image's manifests concurrently, then the blobs they miss, each once, `concurrency` at a
 * time, and then index.json is updated once, under one cache lock, for all of them. Images
 * that were pulled are tagged even if another failed; the first failure is thrown then.
 */
export async function pullImages(refs: Array<string | Reference>, store: ImageStore, opts: PullOptions = {}): Promise<PullResult[]> {
  const wants: Wanted = opts.allPlatforms ? 'all' : wantedPlatforms(opts);
  const client = opts.client ?? new RegistryClient(opts.registry);
  try {
    const plans = await Promise.allSettled(refs.map((ref) => planPull(client, ref, store, wants, opts)));
    const planned = plans.flatMap((p) => (p.status === 'fulfilled' && !('cached' in p.value) ? [p.value] : []));
    const unpack =
      opts.unpacked &&
      new PullUnpack(
        opts.unpacked,
        store,
        planned.flatMap((p) => p.images),
        wants,
      );
    const fetched = await fetchBlobs(client, store, planned, opts.concurrency ?? DEFAULT_CONCURRENCY, unpack);
    const done = planned.filter((p) => !fetched.failed.has(p));
    const tags: Array<{ ref: string; desc: Descriptor }> = [];
    for (const p of done) tags.push(...(await storeManifests(store, p, wants, Boolean(opts.withArchReferences))));
    if (tags.length) await store.tagAll(tags);
    const rejected = plans.find((p): p is PromiseRejectedResult => p.status === 'rejected');
    if (rejected) throw rejected.reason;
    if (fetched.failed.size) throw fetched.failed.values().next().value;
    return plans.map((p) => {
      const v = (p as PromiseFulfilledResult<Planned | PullResult>).value;
      return 'cached' in v ? v : v.result;
    });
  } finally {
    if (!opts.client) client.close();
  }
}

/** One image's part of a pull: its manifests, fetched, and the blobs the store lacks. */
interface Planned {
  ref: Reference;
  name: string;
  root: { descriptor: Descriptor; body: Buffer; doc: ImageIndex & ImageManifest };
  /** Every manifest to store besides the root, with its body. */
  children: Array<{ desc: Descriptor; body: Buffer }>;
  /** True when the root is itself the (single-platform) image manifest. */
  single: boolean;
  /** The image manifests pulled (the root's own, or the chosen ones of an index). */
  images: ImageManifest[];
  missing: Descriptor[];
  result: PullResult;
}

async function planPull(client: RegistryClient, ref: string | Reference, store: ImageStore, wants: Wanted, opts: PullOptions): Promise<Planned | PullResult> {
  const name = normalizeReference(typeof ref === 'string' ? ref : referenceString(ref));
  const parsed = parseReference(name);
  if (!opts.alwaysPull) {
    const have = await completeInStore(store, name, wants);
    if (have) {
      log.debug(`${name} (${describe(wants)}) is in the cache, not pulling`);
      return { ref: name, descriptor: have, cached: true, blobsFetched: 0, bytesFetched: 0 };
    }
  }
  log.debug(`pulling ${name} for ${describe(wants)}`);
  const root = await client.getManifest(parsed);
  const rootDoc = parseJson<ImageIndex & ImageManifest>(root.body, `manifest of ${name}`);
  const from = `${name} from ${parsed.domain}`;

  const children: Array<{ desc: Descriptor; body: Buffer }> = [];
  const images: ImageManifest[] = [];
  const single = !(isIndexMediaType(root.descriptor.mediaType) || Array.isArray(rootDoc.manifests));
  if (!single) {
    refuseNestedIndexes(checkIndex(rootDoc, `index of ${from}`), name);
    const chosen = chooseManifests(rootDoc, wants, name);
    const wanted = [...chosen, ...platformlessManifests(rootDoc).filter((d) => !chosen.includes(d))];
    const bodies = await Promise.all(wanted.map((d) => client.getManifestByDescriptor(parsed, d)));
    wanted.forEach((desc, i) => {
      const body = bodies[i]!;
      const what = `manifest ${desc.digest} of ${from}`;
      const doc = parseJson<ImageIndex & ImageManifest>(body, what);
      // The entry said "image manifest"; what came back is what counts.
      if (Array.isArray(doc.manifests) || isIndexMediaType(doc.mediaType ?? '')) throw nestedIndex(name, rootDoc.manifests.indexOf(desc), desc);
      children.push({ desc, body });
      images.push(checkManifest(doc, what));
    });
  } else {
    if (!isManifestMediaType(root.descriptor.mediaType) && !Array.isArray(rootDoc.layers)) {
      throw new UserError(`${name} is neither an image nor an image index (${root.descriptor.mediaType})`);
    }
    images.push(checkManifest(rootDoc, `manifest of ${from}`));
  }

  // Configs and layers, each once.
  const blobs = new Map<string, Descriptor>();
  for (const manifest of images) {
    for (const b of [manifest.config, ...manifest.layers]) blobs.set(b.digest, b);
  }
  const missing: Descriptor[] = [];
  for (const b of blobs.values()) if (!(await store.hasBlob(b.digest))) missing.push(b);
  const bytes = missing.reduce((n, b) => n + b.size, 0);
  const descriptor: Descriptor = { ...root.descriptor, annotations: { [REF_NAME_ANNOTATION]: name } };
  return {
    ref: parsed,
    name,
    root: { descriptor: root.descriptor, body: root.body, doc: rootDoc },
    children,
    single,
    images,
    missing,
    result: { ref: name, descriptor, cached: false, blobsFetched: missing.length, bytesFetched: bytes },
  };
}

/**
 * The blobs every planned image misses, each digest once, `concurrency` at a time, under one
 * progress bar. An image whose blob failed is left out of the tagging (its verified blobs stay).
 */
async function fetchBlobs(
  client: RegistryClient,
  store: ImageStore,
  planned: Planned[],
  concurrency: number,
  unpack: PullUnpack | undefined,
): Promise<{ failed: Map<Planned, unknown> }> {
  const jobs = new Map<string, { desc: Descriptor; owners: Planned[] }>();
  for (const p of planned) {
    for (const b of p.missing) {
      const job = jobs.get(b.digest);
      if (job) job.owners.push(p);
      else jobs.set(b.digest, { desc: b, owners: [p] });
    }
  }
  const failed = new Map<Planned, unknown>();
  let all = [...jobs.values()];
  // The configs that name diff_ids first: a layer to inflate waits for its own.
  const configs = new Map<string, () => void>();
  if (unpack) {
    for (const j of all) if (unpack.isConfig(j.desc)) configs.set(j.desc.digest, unpack.downloading(j.desc.digest));
    all = [...all.filter((j) => configs.has(j.desc.digest)), ...all.filter((j) => !configs.has(j.desc.digest))];
  }
  const progress = byteProgress(
    planned.length === 1 ? planned[0]!.name : `${planned.length} images`,
    all.reduce((n, j) => n + j.desc.size, 0),
  );
  try {
    await runLimited(all, concurrency, async (job) => {
      try {
        // Another blob of every image this one belongs to has failed: no need to fetch it.
        if (job.owners.every((o) => failed.has(o))) return;
        const owner = job.owners[0]!;
        const copyTo = await unpack?.target(job.desc);
        await fetchBlob(client, owner.ref, owner.name, store, job.desc, (n) => progress.add(n), copyTo);
      } catch (e) {
        for (const o of job.owners) if (!failed.has(o)) failed.set(o, e);
      } finally {
        configs.get(job.desc.digest)?.();
      }
    });
  } finally {
    progress.stop();
  }
  return { failed };
}

/**
 * Stores an image's manifests (children before the root: a blob is there before anything names
 * it) and returns what to tag: the image, and with `archRefs` each platform's `REF-ARCH`.
 */
async function storeManifests(store: ImageStore, p: Planned, wants: Wanted, archRefs: boolean): Promise<Array<{ ref: string; desc: Descriptor }>> {
  // A single-platform image: say so if it is not what was asked for (LinuxKit uses it anyway).
  if (p.single) {
    const config = parseJson<ImageConfigFile>(await store.readBlob(p.root.doc.config.digest), `config of ${p.name}`);
    const have: Platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
    if (config.architecture && wants !== 'all' && !wants.some((w) => platformMatches(have, w))) {
      log.warn(`${p.name} is a single-platform image for ${formatPlatform(have)}, not ${describe(wants)}`);
    }
  }
  for (const c of p.children) await store.putBlob(c.desc.digest, Readable.from([c.body]), c.desc.size);
  await store.putBlob(p.root.descriptor.digest, Readable.from([p.root.body]), p.root.descriptor.size);
  log.debug(`pulled ${p.name}: ${p.result.blobsFetched} blobs, ${p.result.bytesFetched} bytes`);
  const tags = [{ ref: p.name, desc: p.result.descriptor }];
  if (archRefs) tags.push(...(await archReferences(store, p.ref, p.name, p.root.doc)));
  return tags;
}

/** Downloads one blob into the store, retrying a connection that drops mid-way. */
async function fetchBlob(
  client: RegistryClient,
  ref: Reference,
  name: string,
  store: ImageStore,
  desc: Descriptor,
  progress: (bytes: number) => void,
  copyTo?: UnpackTarget,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let counted = 0;
    try {
      // The store verifies digest and size before a blob takes its name (the ImageStore
      // contract), so the client does not hash it a second time.
      const stream = await client.getBlob(ref, desc, {
        verify: false,
        onBytes: (n) => {
          counted += n;
          progress(n);
        },
      });
      // A layer to inflate as well: fed to zlib as it streams in, kept only once it is stored.
      const copy = copyTo && new InflatingCopy(copyTo.layers, copyTo.diffId);
      let stored = false;
      try {
        await store.putBlob(desc.digest, copy ? copy.tee(stream) : stream, desc.size);
        stored = true;
      } finally {
        await copy?.finish(stored);
      }
      return;
    } catch (e) {
      progress(-counted);
      // A wrong digest or size will not get better; a dropped connection may.
      if (e instanceof UserError) {
        throw e.message.includes(name) ? e : new UserError(`${name} from ${ref.domain}: ${e.message}`, undefined, { cause: e });
      }
      if (attempt >= BLOB_ATTEMPTS) {
        const why = e instanceof NetworkError ? `${ref.domain} ${describeNetworkError(e)}` : (e as Error).message;
        throw new UserError(`download of blob ${desc.digest} of ${name} failed: ${why}`, undefined, { cause: e });
      }
      log.debug(`blob ${desc.digest} of ${name}: ${(e as Error).message}; retrying`);
    }
  }
}

/**
 * The root descriptor of `name` if the store holds it with everything `wants` needs (the
 * manifests, configs and layers), else undefined.
 */
export async function completeInStore(store: ImageStore, name: string, wants: Wanted): Promise<Descriptor | undefined> {
  const root = await store.resolve(name);
  if (!root || !(await store.hasBlob(root.digest))) return undefined;
  try {
    const doc = parseJson<ImageIndex & ImageManifest>(await store.readBlob(root.digest), name);
    let manifests: Descriptor[] = [root];
    if (isIndexMediaType(root.mediaType) || Array.isArray(doc.manifests)) {
      manifests = [...chooseManifests(doc, wants, name), ...platformlessManifests(doc)];
    }
    for (const m of manifests) {
      if (!(await store.hasBlob(m.digest))) return undefined;
      const man = m === root ? doc : parseJson<ImageManifest>(await store.readBlob(m.digest), name);
      for (const b of [man.config, ...man.layers]) if (!(await store.hasBlob(b.digest))) return undefined;
    }
    return root;
  } catch {
    return undefined;
  }
}

/**
 * An index whose platform entry is itself an index: the OCI spec allows it, but the cache's
 * resolver (cache/resolve.ts) picks image manifests only, so storing it would tag an image no
 * build can use.
 * Refused, naming the image and the entry, before anything is fetched or stored.
 */
function refuseNestedIndexes(index: ImageIndex, name: string): void {
  index.manifests.forEach((d, i) => {
    if (isIndexMediaType(d.mediaType) && d.platform && !isAttestation(d)) throw nestedIndex(name, i, d);
  });
}

function nestedIndex(name: string, i: number, d: Descriptor): UserError {
  const platform = d.platform ? ` for ${formatPlatform(d.platform)}` : '';
  return new UserError(
    `image ${name}: index entry manifests[${i}]${platform} (${d.digest}) is itself an image index; nested indexes are not supported, nothing was stored`,
  );
}

/** Platforms asked for, or every platform of the index. */
export type Wanted = Platform[] | 'all';

function describe(wants: Wanted): string {
  return wants === 'all' ? 'all platforms' : wants.map(formatPlatform).join(', ');
}

/** The image manifests of an index that `wants` asks for. */
function chooseManifests(index: ImageIndex, wants: Wanted, name: string): Descriptor[] {
  if (wants !== 'all') return selectManifests(index, wants, name);
  return index.manifests.filter((d) => isManifestMediaType(d.mediaType) && d.platform && !isAttestation(d));
}

/** LinuxKit's `cache pull` arch references: `REF-ARCH` → that platform's manifest. */
async function archReferences(store: ImageStore, ref: Reference, name: string, root: ImageIndex): Promise<Array<{ ref: string; desc: Descriptor }>> {
  if (!ref.tag || ref.digest) {
    log.debug(`${name}: no arch-specific references for a reference without a tag`);
    return [];
  }
  if (!Array.isArray(root.manifests)) return [];
  const out: Array<{ ref: string; desc: Descriptor }> = [];
  for (const m of root.manifests) {
    if (!isManifestMediaType(m.mediaType) || !m.platform || isAttestation(m) || !(await store.hasBlob(m.digest))) continue;
    const archRef = `${name}-${m.platform.architecture}`;
    if (!isValidReference(archRef)) {
      log.warn(`${name}: cannot name the ${m.platform.architecture} image ${archRef}: not a valid reference`);
      continue;
    }
    out.push({ ref: archRef, desc: { ...m, annotations: { ...m.annotations, [REF_NAME_ANNOTATION]: archRef } } });
  }
  return out;
}

/** A manifest, index or config: a JSON object (a registry may send `null` or a list). */
function parseJson<T>(body: Buffer, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new UserError(`${what} is not valid JSON: ${(e as Error).message}`, undefined, { cause: e });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(
      `${what} is not a JSON object (it is ${value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value}): the registry did not send an image manifest, index or config`,
    );
  }
  return value as T;
}
