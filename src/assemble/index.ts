// The assemble step: a typed Config plus its images → one deterministic tar stream holding the
// whole root filesystem, laid out as LinuxKit lays it out (lk:moby/build/build.go Build):
// kernel, init images, volumes, onboot, onshutdown, services, files, then the merged SBOM.
// Output formats (kernel+initrd, squashfs, …) are made from this stream by src/formats.
import { CONTAINER_SECTIONS, type Config, type ContainerSection, type VolumeEntry } from '../config/index.js';
import { allocateIds, containerBundles, volumeDirs } from '../spec/index.js';
import { UserError } from '../util/index.js';
import { log } from '../util/index.js';
import { ApkDatabases } from './apk-db.js';
import { writeBundle } from './bundle.js';
import { writeFiles, type FilesContext } from './files.js';
import type { ImageResolver, ResolvedImage } from './image-source.js';
import { expandRef, type InputTar } from './input-tar.js';
import { sourcePax, writeImageTree } from './image-tree.js';
import { writeKernel } from './kernel.js';
import { DEFAULT_SBOM_FILENAME, SbomCollector } from './sbom.js';
import { generated, generatedMtime, type TarSink } from './tar-sink.js';

export { fileSource } from './files.js';

/** Init images' /etc/resolv.conf points here, somewhere writable at run time. */
export const RESOLV_CONF_SYMLINK = '/run/resolvconf/resolv.conf';

export interface AssembleOptions {
  resolver: ImageResolver;
  decompressKernel?: boolean;
  /** Undefined: no SBOM (--no-sbom). */
  sbom?: { filename?: string; currentTime?: boolean };
  files: Omit<FilesContext, 'ids'>;
  /**
   * `--input-tar`: unchanged parts are copied from this earlier build's tar. As in LinuxKit, a
   * reused part's image is not read at all, so its SBOMs are not in the new merged SBOM.
   */
  inputTar?: InputTar;
}

/** Writes the whole root filesystem to `sink` and finishes it. */
export async function assemble(config: Config, sink: TarSink, opts: AssembleOptions): Promise<void> {
  const sboms = opts.sbom ? new SbomCollector() : undefined;
  /** Resolves an image written under `prefix`, gathering its SBOMs as LinuxKit does. */
  const resolve = async (ref: string, prefix: string): Promise<ResolvedImage> => {
    const image = await opts.resolver.resolve(ref);
    if (sboms) for (const doc of await image.sboms()) sboms.add(prefix, doc, image.ref);
    return image;
  };

  const input = opts.inputTar;
  if (config.kernel?.image && input?.reusesKernel(config.kernel)) {
    const ref = expandRef(config.kernel.image);
    await input.copy(sink, 'kernel', ref, ref);
  } else if (config.kernel?.image) {
    log.info(`Extract kernel image: ${config.kernel.image}`);
    await writeKernel(sink, config.kernel, await resolve(config.kernel.image, ''), { decompressKernel: opts.decompressKernel });
  }

  const apk = new ApkDatabases(sink);
  for (const [i, ref] of (config.init ?? []).entries()) {
    if (input?.reusesInit(i, ref)) {
      await input.copy(apk, `init[${i}]`, expandRef(ref), expandRef(ref));
      continue;
    }
    log.info(`Add init image: ${ref}`);
    await writeImageTree(apk, await resolve(ref, ''), { location: `init[${i}]`, prefix: '', resolvSymlink: RESOLV_CONF_SYMLINK });
  }
  await apk.writeMerged();

  for (const [i, vol] of (config.volumes ?? []).entries()) {
    if (input?.reusesVolume(i, vol)) {
      await input.copy(sink, `volume[${i}]`, undefined, vol.name);
      continue;
    }
    log.info(`Add volume: ${vol.name}`);
    await writeVolume(sink, vol, i, resolve);
  }

  // The containers' images first (their configs shape the specs), then the bundles in order.
  // Reused containers (--input-tar) are copied whole, so their images are never read.
  const reusedSet = input?.reusedContainers(config) ?? new Set<string>();
  const reused = (section: ContainerSection, i: number) => reusedSet.has(`${section}[${i}]`);
  const images = new Map<string, ResolvedImage>();
  for (const section of CONTAINER_SECTIONS) {
    for (const [i, entry] of (config[section] ?? []).entries()) {
      if (!images.has(entry.image) && !reused(section, i)) images.set(entry.image, await opts.resolver.resolve(entry.image));
    }
  }
  const bundles = containerBundles(config, (entry, section, i) => {
    const image = images.get(entry.image);
    // A reused entry's own spec is not used; its ref still shapes the shared-unpack layout.
    if (!image || reused(section, i)) return { ref: expandRef(entry.image), config: {} };
    return { ref: image.ref, config: image.config.config };
  });
  for (const b of bundles) {
    if (input && reused(b.section, b.index)) {
      await input.copy(sink, b.location, b.ref, b.entry.image);
      continue;
    }
    log.info(`Add ${b.section} container: ${b.entry.name} (${b.entry.image})`);
    const image = images.get(b.entry.image)!;
    if (sboms && b.layout.extractTo !== undefined) for (const doc of await image.sboms()) sboms.add(b.layout.extractTo + '/', doc, image.ref);
    await writeBundle(sink, b, image);
  }

  if (config.files?.length) log.info('Add files');
  await writeFiles(sink, config.files ?? [], { ...opts.files, ids: allocateIds(config) });

  if (sboms && opts.sbom) {
    const json = sboms.render(opts.sbom.currentTime ? new Date() : generatedMtime());
    await sink.add(generated({ path: opts.sbom.filename ?? DEFAULT_SBOM_FILENAME, type: 'file', size: Buffer.byteLength(json) }), json);
  }
  sink.finish();
}

/**
 * A volume (lk:moby/build/build.go): its image unpacked as a filesystem in lower/ (or an empty
 * lower/ when it has no image), plus tmp/ and merged/ where the init mounts an overlay.
 */
async function writeVolume(sink: TarSink, vol: VolumeEntry, i: number, resolve: (ref: string, prefix: string) => Promise<ResolvedImage>): Promise<void> {
  const location = `volume[${i}]`;
  const dirs = volumeDirs(vol.name);
  const lower = dirs.lower.replace(/^\//, '') + '/';
  if (vol.image && vol.format === 'oci') {
    throw new UserError(`volumes[${i}] (${vol.name}): format "oci" is not supported yet`);
  }
  const image = vol.image ? await resolve(vol.image, lower) : undefined;
  await writeImageTree(sink, image, { location, prefix: lower, resolvSymlink: RESOLV_CONF_SYMLINK });
  const pax = sourcePax('linuxkit.volumes', location);
  for (const dir of [dirs.tmp, dirs.merged]) await sink.add(generated({ path: dir.replace(/^\//, ''), type: 'directory', pax }));
}
export * from './cache-resolver.js';
export * from './gc-tuning.js';
export * from './image-source.js';
export * from './input-tar.js';
export * from './sbom.js';
export * from './tar-sink.js';
