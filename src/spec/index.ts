// The spec step: config entries + image configs → OCI bundles' config.json and runtime.json,
// byte-identical to LinuxKit's. Pure functions: no I/O; images are resolved by the caller.
import type { Config, ContainerSection, ImageEntry } from '../config/index.js';
import { CONTAINER_SECTIONS } from '../config/index.js';
import type { ImageRuntimeConfig } from '../oci/index.js';
import type { OciSpec, RuntimeJson } from './oci-runtime.js';
import { allocateIds } from './ids.js';
import { resolveVolumes } from './volumes.js';
import { toOCISpec } from './to-oci.js';
import { bundleLocation, bundlePath, layoutBundles, type BundleLayout } from './layout.js';
import { withRootfsMounts } from './runtime.js';
import { runtimeToJson, specToJson } from './json.js';

export * from './oci-runtime.js';
export { ALL_CAPABILITIES, capabilitySets } from './capabilities.js';
export { allocateIds, idNumeric, FIRST_ALLOCATED_ID } from './ids.js';
export { mergeLabelDefaults, type MergedConfig } from './merge.js';
export { defaultMounts, defaultMountpoint, parseBind, parseTmpfs, containerMounts } from './mounts.js';
export { containerNamespaces } from './namespaces.js';
export { parseRlimit, RLIMIT_NAMES } from './rlimits.js';
export { containerDevices, parseDeviceMode } from './devices.js';
export { normalizeResources } from './resources.js';
export { runtimeJson, withRootfsMounts } from './runtime.js';
export { resolveVolumes } from './volumes.js';
export { toOCISpec, labelDefaults, type OciResult } from './to-oci.js';
export { bundleLayout, bundleLocation, bundlePath, layoutBundles, volumeDirs, VOLUMES_BASE_DIR, type BundleLayout } from './layout.js';
export { specToJson, runtimeToJson } from './json.js';
export { configToGoJson } from './moby-json.js';

/** What the caller found for an entry's image. */
export interface ResolvedImage {
  /** The fully qualified reference (docker.io/linuxkit/getty:…): images are shared by it. */
  ref: string;
  /** The `config` part of the image configuration. */
  config?: ImageRuntimeConfig;
}

/** Everything needed to write one container's bundle. */
export interface ContainerBundle {
  section: ContainerSection;
  index: number;
  entry: ImageEntry;
  ref: string;
  /** "onboot[0]", as LinuxKit records in the tar's PAX headers. */
  location: string;
  layout: BundleLayout;
  spec: OciSpec;
  /** runtime.json content, with the rootfs mounts of the layout first. */
  runtime: RuntimeJson;
  /** The exact bytes of config.json and runtime.json. */
  configJson: string;
  runtimeJson: string;
}

/**
 * The bundles of every onboot, onshutdown and service container, in LinuxKit's build order,
 * with ids allocated over the whole config and images shared between bundles by reference.
 */
export function containerBundles(config: Config, resolve: (entry: ImageEntry, section: ContainerSection, index: number) => ResolvedImage): ContainerBundle[] {
  const ids = allocateIds(config);
  const planned = CONTAINER_SECTIONS.flatMap((section) =>
    (config[section] ?? []).map((entry, index) => {
      const image = resolve(entry, section, index);
      const { spec, runtime } = toOCISpec(resolveVolumes(entry, config.volumes ?? []), image.config, ids);
      return { section, index, entry, ref: image.ref, spec, runtime, path: bundlePath(section, index, entry.name) };
    }),
  );
  const layouts = layoutBundles(planned.map((p) => ({ path: p.path, ref: p.ref, readonly: p.spec.root?.readonly ?? false })));
  return planned.map((p, i) => {
    const layout = layouts[i]!;
    const runtime = withRootfsMounts(p.runtime, layout.rootfsMounts);
    return {
      section: p.section,
      index: p.index,
      entry: p.entry,
      ref: p.ref,
      location: bundleLocation(p.section, p.index),
      layout,
      spec: p.spec,
      runtime,
      configJson: specToJson(p.spec),
      runtimeJson: runtimeToJson(runtime),
    };
  });
}
