// A read-only check of the cache, for `cache ls` and for build: which entries are usable, and
// what is wrong with the rest. Never throws for a broken entry; it reports it.
//
// A cache holds only the platforms that were asked for (lk:docs/image-cache.md), so an index
// whose other platforms' manifests are absent is normal; a manifest that is present but has a
// missing or truncated config or layer is not.
import type { Descriptor, ImageIndex, ImageManifest } from '../types.js';
import { isAttestation, isIndexMediaType } from './media.js';
import { formatPlatform } from './platform.js';
import { refName, type LayoutStore } from './store.js';

export interface EntryReport {
  ref: string;
  descriptor: Descriptor;
  /** Platforms (os/arch[/variant]) whose manifest, config and layers are all present. */
  platforms: string[];
  /** What is broken; empty when the entry is usable. */
  problems: string[];
  /** Every blob this entry references that is present (for garbage collection). */
  blobs: Set<string>;
}

/** Validates every named entry of index.json. */
export async function validateCache(store: LayoutStore): Promise<EntryReport[]> {
  const reports: EntryReport[] = [];
  for (const m of (await store.readIndex()).manifests) {
    const ref = refName(m) ?? `(unnamed ${m.digest})`;
    reports.push(await validateEntry(store, ref, m));
  }
  return reports;
}

export async function validateEntry(store: LayoutStore, ref: string, desc: Descriptor): Promise<EntryReport> {
  const report: EntryReport = { ref, descriptor: desc, platforms: [], problems: [], blobs: new Set() };
  const root = await readJsonIfPresent<ImageIndex & ImageManifest>(store, desc, 'root', report);
  if (!root) return report;
  if (Array.isArray(root.manifests) || (!Array.isArray(root.layers) && isIndexMediaType(desc.mediaType))) {
    for (const child of root.manifests ?? []) {
      if (!(await store.hasBlob(child.digest))) continue; // a platform that was not pulled
      const manifest = await readJsonIfPresent<ImageManifest>(store, child, `manifest ${formatPlatform(child.platform)}`, report);
      if (manifest && (await checkImage(store, manifest, formatPlatform(child.platform), report)) && !isAttestation(child)) {
        report.platforms.push(formatPlatform(child.platform));
      }
    }
    if (report.platforms.length === 0 && report.problems.length === 0) {
      report.problems.push('no platform of this index is in the cache');
    }
  } else if (await checkImage(store, root, 'image', report)) {
    const config = await store.readJsonBlob<{ os?: string; architecture?: string; variant?: string }>(root.config.digest).catch(() => undefined);
    report.platforms.push(
      config
        ? formatPlatform({ os: config.os ?? '', architecture: config.architecture ?? '', ...(config.variant ? { variant: config.variant } : {}) })
        : 'unknown',
    );
  }
  return report;
}

async function readJsonIfPresent<T>(store: LayoutStore, desc: Descriptor, what: string, report: EntryReport): Promise<T | undefined> {
  if (!(await store.hasBlob(desc.digest))) {
    report.problems.push(`${what} blob ${desc.digest} is missing`);
    return undefined;
  }
  try {
    const value = await store.readJsonBlob<T>(desc.digest);
    report.blobs.add(desc.digest);
    return value;
  } catch (err) {
    report.blobs.add(desc.digest);
    report.problems.push(`${what}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Checks that a manifest's config and layers are present with the right sizes. */
async function checkImage(store: LayoutStore, manifest: ImageManifest, what: string, report: EntryReport): Promise<boolean> {
  if (!manifest.config || !Array.isArray(manifest.layers)) {
    report.problems.push(`${what}: manifest has no config or layers`);
    return false;
  }
  let ok = true;
  for (const [kind, d] of [['config', manifest.config] as const, ...manifest.layers.map((l) => ['layer', l] as const)]) {
    const size = await store.blobSize(d.digest);
    if (size === undefined) {
      report.problems.push(`${what}: ${kind} blob ${d.digest} is missing`);
      ok = false;
      continue;
    }
    report.blobs.add(d.digest);
    if (size !== d.size) {
      report.problems.push(`${what}: ${kind} blob ${d.digest} has ${size} bytes, expected ${d.size} (truncated?)`);
      ok = false;
    }
  }
  return ok;
}
