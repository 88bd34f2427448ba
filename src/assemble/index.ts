// The assemble step: a typed Config plus its images → one deterministic tar stream holding the
// whole root filesystem, laid out as LinuxKit lays it out (lk:moby/build/build.go Build):
// kernel, init images, volumes, onboot, onshutdown, services, files, then the merged SBOM.
// Output formats (kernel+initrd, squashfs, …) are made from this stream by src/formats.
import { posix } from 'node:path';
import type { Config, ImageEntry, VolumeEntry } from '../config/types.js';
import { UserError } from '../util/errors.js';
import { log } from '../util/log.js';
import { writeBundle, type UnpackedImages } from './bundle.js';
import { containerConfig, type ContainerSpecFns } from './container.js';
import { writeFiles, type FilesContext } from './files.js';
import type { ImageResolver, ResolvedImage } from './image-source.js';
import { sourcePax, writeImageTree } from './image-tree.js';
import { writeKernel } from './kernel.js';
import { DEFAULT_SBOM_FILENAME, SbomCollector } from './sbom.js';
import { generated, generatedMtime, type TarSink } from './tar-sink.js';

/** Init images' /etc/resolv.conf points here, somewhere writable at run time. */
export const RESOLV_CONF_SYMLINK = '/run/resolvconf/resolv.conf';
/** Where volumes live in the root (lk:moby/const.go). */
export const VOLUMES_DIR = 'containers/volumes';

export interface AssembleOptions {
  resolver: ImageResolver;
  spec: ContainerSpecFns;
  decompressKernel?: boolean;
  /** Undefined: no SBOM (--no-sbom). */
  sbom?: { filename?: string; currentTime?: boolean };
  files: Omit<FilesContext, 'ids'>;
}

/** Writes the whole root filesystem to `sink` and finishes it. */
export async function assemble(config: Config, sink: TarSink, opts: AssembleOptions): Promise<void> {
  const sboms = opts.sbom ? new SbomCollector() : undefined;
  const resolve = async (ref: string, prefix: string): Promise<ResolvedImage> => {
    const image = await opts.resolver.resolve(ref);
    if (sboms) for (const doc of await image.sboms()) sboms.add(prefix, doc, image.ref);
    return image;
  };
  const ids = opts.spec.allocateIds(config);

  if (config.kernel?.image) {
    log.info(`Extract kernel image: ${config.kernel.image}`);
    await writeKernel(sink, config.kernel, await resolve(config.kernel.image, ''), { decompressKernel: opts.decompressKernel });
  }

  for (const [i, ref] of (config.init ?? []).entries()) {
    log.info(`Add init image: ${ref}`);
    await writeImageTree(sink, await resolve(ref, ''), { location: `init[${i}]`, prefix: '', resolvSymlink: RESOLV_CONF_SYMLINK });
  }

  for (const [i, vol] of (config.volumes ?? []).entries()) {
    log.info(`Add volume: ${vol.name}`);
    await writeVolume(sink, vol, i, (ref, prefix) => resolve(ref, prefix));
  }

  const unpacked: UnpackedImages = new Map();
  const sections: Array<[string, ImageEntry[] | undefined, boolean]> = [
    ['onboot', config.onboot, true],
    ['onshutdown', config.onshutdown, true],
    ['services', config.services, false],
  ];
  for (const [section, entries, numbered] of sections) {
    for (const [i, entry] of (entries ?? []).entries()) {
      const dir = posix.join('containers', section, (numbered ? `${String(i).padStart(3, '0')}-` : '') + entry.name);
      log.info(`Add ${section} container: ${entry.name} (${entry.image})`);
      const image = await resolve(entry.image, '');
      const c = containerConfig(opts.spec, entry, image, config, ids);
      await writeBundle(sink, { dir, location: `${section}[${i}]`, image, ...c }, unpacked);
    }
  }

  if (config.files?.length) log.info('Add files');
  await writeFiles(sink, config.files ?? [], { ...opts.files, ids });

  if (sboms && opts.sbom) {
    const json = sboms.render(opts.sbom.currentTime ? new Date() : generatedMtime());
    await sink.add(generated({ name: opts.sbom.filename ?? DEFAULT_SBOM_FILENAME, type: 'file', size: Buffer.byteLength(json) }), json);
  }
  sink.finish();
}

/**
 * A volume (lk:moby/build/build.go): its image unpacked as a filesystem in lower/ (or an empty
 * lower/ when it has no image), plus tmp/ and merged/ where the init mounts an overlay.
 */
async function writeVolume(
  sink: TarSink,
  vol: VolumeEntry,
  i: number,
  resolve: (ref: string, prefix: string) => Promise<ResolvedImage>,
): Promise<void> {
  const location = `volume[${i}]`;
  const base = posix.join(VOLUMES_DIR, vol.name);
  const lower = `${base}/lower/`;
  if (vol.image && vol.format === 'oci') {
    throw new UserError(`volumes[${i}] (${vol.name}): format "oci" is not supported yet`);
  }
  const image = vol.image ? await resolve(vol.image, lower) : undefined;
  await writeImageTree(sink, image, { location, prefix: lower, resolvSymlink: RESOLV_CONF_SYMLINK });
  const pax = sourcePax('linuxkit.volumes', location);
  await sink.add(generated({ name: `${base}/tmp`, type: 'directory', pax }));
  await sink.add(generated({ name: `${base}/merged`, type: 'directory', pax }));
}
