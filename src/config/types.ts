// The typed LinuxKit YAML model (v1 format), as TypeScript types derived from its one
// declaration in model.ts (field names, order, kinds and documentation live there). A parsed
// document can be used as it is. `undefined` means "not given": that difference matters, because
// an image's org.mobyproject.config label supplies defaults only for fields not given.
import type { TsOf, YamlFields } from './model-kinds.js';
import type {
  CONFIG,
  DEVICE,
  FILE,
  ID_MAPPING,
  IMAGE,
  IMAGE_CONFIG,
  INTERFACE,
  KERNEL,
  MOUNT,
  NAMESPACES,
  RESOURCES,
  RESTART_POLICY,
  RUNTIME,
  VOLUME,
} from './model.js';

/**
 * The whole config: the result of parsing and merging one or more YAML files. Every object in it
 * (entries, nested mappings, lists) has its source positions: see sourcePos() in positions.ts.
 * (The obsolete top-level `trust:` is accepted and dropped, as LinuxKit does.)
 */
export interface Config extends TsOf<typeof CONFIG> {}
export interface KernelConfig extends TsOf<typeof KERNEL> {}
export interface FileEntry extends TsOf<typeof FILE> {}
export interface VolumeEntry extends TsOf<typeof VOLUME> {}
/** An onboot, onshutdown or services entry: a name, an image and its container settings. */
export interface ImageEntry extends TsOf<typeof IMAGE> {}
/** The container settings that may appear both in YAML and in an image's label. */
export interface ImageConfig extends YamlFields<typeof IMAGE_CONFIG> {}
/** OCI runtime-spec Mount, as written in YAML (lower-case id-mapping keys, as LinuxKit). */
export interface Mount extends TsOf<typeof MOUNT> {}
export interface Device extends TsOf<typeof DEVICE> {}
export interface IdMapping extends TsOf<typeof ID_MAPPING> {}
/** OCI LinuxResources with LinuxKit's schema's key names (`blockio`); spec maps them to OCI's. */
export interface LinuxResources extends TsOf<typeof RESOURCES> {}
/** Settings applied by the in-VM init around `runc create`, written to runtime.json. */
export interface Runtime extends TsOf<typeof RUNTIME> {}
export type RestartPolicy = TsOf<typeof RESTART_POLICY>;
export interface Namespaces extends TsOf<typeof NAMESPACES> {}
export interface Interface extends TsOf<typeof INTERFACE> {}

/** The sections holding containers, in the order LinuxKit processes them. */
export const CONTAINER_SECTIONS = ['onboot', 'onshutdown', 'services'] as const;
export type ContainerSection = (typeof CONTAINER_SECTIONS)[number];
