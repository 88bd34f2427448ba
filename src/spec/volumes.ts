// Volume names in `binds`, `binds.add` and bind `mounts`: a source that does not start with "/"
// names a volume, and becomes that volume's merged directory
// (lk:src/cmd/linuxkit/moby/build/volume.go). A read-only volume may only be bound read-only.
import { UserError } from '../util/index.js';
import type { ImageEntry, Mount, VolumeEntry } from '../config/index.js';
import { volumeDirs } from './layout.js';

function findVolume(volumes: readonly VolumeEntry[], name: string, what: string): VolumeEntry {
  const vol = volumes.find((v) => v.name === name);
  if (!vol) throw new UserError(`volume ${name} not found in ${what}`);
  return vol;
}

function readOnlyViolation(name: string): UserError {
  return new UserError(`volume ${name} is read-only, but attempting to write into container read-write`);
}

function resolveBinds(binds: string[], volumes: readonly VolumeEntry[], field: string): string[] {
  return binds.map((bind, i) => {
    const parts = bind.split(':');
    if (parts[0]!.startsWith('/')) return bind;
    const vol = findVolume(volumes, parts[0]!, `${field}[${i}]`);
    // LinuxKit requires exactly "ro" as the options of a read-only volume's bind
    if (vol.readonly && (parts.length < 3 || parts[2] !== 'ro')) throw readOnlyViolation(vol.name);
    parts[0] = volumeDirs(vol.name).merged;
    return parts.join(':');
  });
}

function resolveMount(m: Mount, i: number, volumes: readonly VolumeEntry[]): Mount {
  if (m.type !== 'bind' || (m.source ?? '').startsWith('/')) return m;
  const vol = findVolume(volumes, m.source ?? '', `mounts[${i}]`);
  if (vol.readonly) {
    // the first of "rw" or "ro" in the options decides; neither means read-write
    const first = (m.options ?? []).find((o) => o === 'rw' || o === 'ro');
    if (first !== 'ro') throw readOnlyViolation(vol.name);
  }
  return { ...m, source: volumeDirs(vol.name).merged };
}

/**
 * The entry with volume names replaced by their paths. LinuxKit checks `mounts` but then forgets
 * the new source (it edits a copy), so a volume named in `mounts` never worked there; here it
 * does (docs/compatibility/spec.md).
 */
export function resolveVolumes(entry: ImageEntry, volumes: readonly VolumeEntry[]): ImageEntry {
  const out: ImageEntry = { ...entry };
  if (entry.mounts) out.mounts = entry.mounts.map((m, i) => resolveMount(m, i, volumes));
  if (entry.binds) out.binds = resolveBinds(entry.binds, volumes, 'binds');
  if (entry['binds.add']) out['binds.add'] = resolveBinds(entry['binds.add'], volumes, 'binds.add');
  return out;
}
