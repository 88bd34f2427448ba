// From a YAML entry and its image to the bytes of config.json and runtime.json, via the spec
// step (src/spec), after replacing volume names in binds and mounts by the volumes' paths.
import { posix } from 'node:path';
import type { Config, ImageEntry, Mount } from '../config/types.js';
import type { ImageRuntimeConfig } from '../oci/types.js';
import { UserError } from '../util/errors.js';
import type { ResolvedImage } from './image-source.js';

/** The functions of the spec step assembly needs (injected, so each side can be tested alone). */
export interface ContainerSpecFns {
  allocateIds(config: Config): Map<string, number>;
  /** config.json bytes, whether the root is read-only, and runtime.json bytes given rootfs mounts. */
  render(
    entry: ImageEntry,
    image: ImageRuntimeConfig,
    ids: Map<string, number>,
  ): { configJson: string; readonly: boolean; runtimeJson(rootfsMounts: Mount[]): string };
}

const VOLUMES_ROOT = '/containers/volumes';

/** A bind or mount source that is not an absolute path names a volume: use its merged dir. */
export function withVolumePaths(entry: ImageEntry, config: Config, where: string): ImageEntry {
  const vols = new Map((config.volumes ?? []).map((v) => [v.name, v]));
  const volumePath = (name: string, readonlyUse: boolean, what: string): string => {
    const vol = vols.get(name);
    if (!vol) throw new UserError(`${where}: ${what} names volume "${name}", which is not in volumes`);
    if (vol.readonly && !readonlyUse) {
      throw new UserError(`${where}: volume ${name} is read-only, but ${what} would mount it read-write (add ro)`);
    }
    return posix.join(VOLUMES_ROOT, name, 'merged');
  };
  const fixBinds = (binds: string[] | undefined, field: string) =>
    binds?.map((b, i) => {
      const parts = b.split(':');
      if (parts[0]!.startsWith('/')) return b;
      parts[0] = volumePath(parts[0]!, parts[2] === 'ro', `${field}[${i}]`);
      return parts.join(':');
    });
  const mounts = entry.mounts?.map((m: Mount, i) => {
    if (m.type !== 'bind' || !m.source || m.source.startsWith('/')) return m;
    const opts = m.options ?? [];
    const ro = opts.findIndex((o) => o === 'ro' || o === 'rw');
    return { ...m, source: volumePath(m.source, ro >= 0 && opts[ro] === 'ro', `mounts[${i}]`) };
  });
  return {
    ...entry,
    ...(entry.binds && { binds: fixBinds(entry.binds, 'binds') }),
    ...(entry['binds.add'] && { 'binds.add': fixBinds(entry['binds.add'], 'binds.add') }),
    ...(mounts && { mounts }),
  };
}

export function containerConfig(spec: ContainerSpecFns, entry: ImageEntry, image: ResolvedImage, config: Config, ids: Map<string, number>) {
  return spec.render(withVolumePaths(entry, config, `${entry.name} (${entry.image})`), image.config.config ?? {}, ids);
}
