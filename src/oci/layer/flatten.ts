// Flattening a stack of layers into one stream of entries: the image's root filesystem, with
// whiteouts applied, as `build` writes it under containers/.../rootfs in its output tar.
//
// Streaming, in two passes: an entry of layer i must be dropped when a later layer replaces it,
// whites it out, makes one of its parent directories opaque or replaces a parent directory
// with a non-directory, so the later layers must be known first. Pass 1 reads only the headers
// of layers 1..n-1 (never the bottom one, usually the largest) and records, per path, the
// highest layer that kills it. Pass 2 streams every layer bottom-up and emits the survivors, so
// the output keeps the order of the layers (a hard link comes after its target, a directory's
// entry before its files) and contents are never held in memory.
import type { Readable } from 'node:stream';
import { log } from '../../util/index.js';
import { CorruptCacheError } from '../verify.js';
import { decompressed } from './decompress.js';
import { ancestors, readTar, type TarEntry } from '../../tar/index.js';
import { UnpackedCopyCorrupt, type UnpackedLayers } from './unpacked.js';

/** A layer blob to read, possibly twice; `name` is used in messages. */
export interface LayerSource {
  name: string;
  /** The blob as stored (gzip, zstd or plain tar). */
  open(): Readable;
  /** Where the layer is kept uncompressed between builds (unpacked.ts), under its diff_id. */
  unpacked?: { layers: UnpackedLayers; diffId: string };
}

export interface FlatEntry extends TarEntry {
  /** Index of the layer the entry comes from (0 = bottom). */
  layer: number;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

type Whiteout = { kind: 'opaque'; dir: string } | { kind: 'remove'; path: string } | { kind: 'meta' };

/** Classifies `.wh.` entries; undefined for ordinary entries. */
export function whiteoutOf(path: string): Whiteout | undefined {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = slash === -1 ? '' : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  // Other `.wh..wh.` names are aufs bookkeeping (hard link dirs), not whiteouts.
  if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return { kind: 'meta' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  return { kind: 'remove', path: dir ? `${dir}/${name}` : name };
}

/** What later layers do to the paths of earlier ones. */
class Shadows {
  /** path → highest layer that defines or whites out exactly this path. */
  private readonly exact = new Map<string, number>();
  /** path → highest layer that removes everything below this path (whiteout, opaque, non-directory). */
  private readonly below = new Map<string, number>();

  private raise(map: Map<string, number>, path: string, layer: number): void {
    if ((map.get(path) ?? -1) < layer) map.set(path, layer);
  }

  record(entry: TarEntry, layer: number): void {
    const wh = whiteoutOf(entry.path);
    if (wh?.kind === 'meta') return;
    if (wh?.kind === 'opaque') {
      this.raise(this.below, wh.dir, layer);
      return;
    }
    if (wh?.kind === 'remove') {
      this.raise(this.exact, wh.path, layer);
      this.raise(this.below, wh.path, layer);
      return;
    }
    this.raise(this.exact, entry.path, layer);
    if (entry.type !== 'directory') this.raise(this.below, entry.path, layer);
  }

  /** Whether `path` from `layer` is hidden by a later layer. */
  hidden(path: string, layer: number): boolean {
    if ((this.exact.get(path) ?? -1) > layer) return true;
    if ((this.below.get('') ?? -1) > layer) return true;
    for (const dir of ancestors(path)) if ((this.below.get(dir) ?? -1) > layer) return true;
    return false;
  }
}

async function* layerEntries(source: LayerSource): AsyncGenerator<TarEntry> {
  try {
    yield* readTar(await layerTar(source), `layer ${source.name}`);
  } catch (err) {
    // Bad bytes in the cache usually break the tar (or gzip) before their hash is known at the
    // end: when they are the reason, say that (and drop the copy) rather than "not a tar".
    if (!(err instanceof CorruptCacheError)) await recheck(source);
    throw err;
  }
}

/** Reads what the layer was read from to its end, so its check runs; throws its CorruptCacheError if any. */
async function recheck(source: LayerSource): Promise<void> {
  try {
    const u = source.unpacked;
    const bytes = (u && (await u.layers.open(u.diffId))) ?? source.open();
    for await (const _ of bytes) void _;
  } catch (err) {
    if (err instanceof CorruptCacheError) throw err;
  }
}

/** The layer's tar stream: its unpacked copy if there is one, else the blob inflated (and copied). */
async function layerTar(source: LayerSource): Promise<AsyncIterable<Uint8Array>> {
  const u = source.unpacked;
  const kept = u && (await u.layers.open(u.diffId));
  if (kept) return kept;
  const { stream, compression } = await decompressed(source.open());
  return u && compression !== 'none' ? u.layers.fill(u.diffId, stream) : stream;
}

/**
 * Pass 1: what layers 1..n-1 hide. An unpacked copy that fails its check here (it is removed
 * then) is read again from its blob, before anything was emitted, so the build goes on.
 */
async function shadowsOf(layers: LayerSource[]): Promise<Shadows> {
  for (;;) {
    const shadows = new Shadows();
    try {
      for (let i = 1; i < layers.length; i++) {
        for await (const entry of layerEntries(layers[i]!)) shadows.record(entry, i);
      }
      return shadows;
    } catch (err) {
      if (!(err instanceof UnpackedCopyCorrupt)) throw err;
      log.warn(`${err.message}; reading its blob instead`);
    }
  }
}

/**
 * The merged root filesystem of `layers` (bottom first) as one ordered stream of entries.
 * Whiteout entries are applied and never emitted. Bodies must be consumed in order (or are
 * drained when the next entry is asked for).
 */
export async function* flattenLayers(layers: LayerSource[]): AsyncGenerator<FlatEntry> {
  const shadows = await shadowsOf(layers);
  // Non-directories emitted so far, so a hard link to something that did not survive is caught.
  const linkable = new Set<string>();
  for (let i = 0; i < layers.length; i++) {
    for await (const entry of layerEntries(layers[i]!)) {
      if (whiteoutOf(entry.path)) continue;
      if (shadows.hidden(entry.path, i)) continue;
      if (entry.type === 'link' && !linkable.has(entry.linkname!)) {
        log.warn(`layer ${layers[i]!.name}: hard link ${entry.path} points at ${entry.linkname}, which is not in the image; skipping it`);
        continue;
      }
      if (entry.type === 'directory') linkable.delete(entry.path);
      else linkable.add(entry.path);
      yield { ...entry, layer: i };
    }
  }
}
