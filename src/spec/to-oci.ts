// One container's OCI runtime config.json and runtime.json from its YAML entry and its image's
// configuration: LinuxKit's ConfigToOCI (lk:src/cmd/linuxkit/moby/config.go:816-1195).
//
// Precedence, lowest first: LinuxKit's defaults, the image config (Entrypoint+Cmd, Env,
// WorkingDir only), the image's org.mobyproject.config label, the YAML entry.
import { UserError } from '../util/index.js';
import type { ImageConfig } from '../config/index.js';
import { MOBY_CONFIG_LABEL, type ImageRuntimeConfig } from '../oci/index.js';
import { OCI_VERSION, type OciLinux, type OciProcess, type OciSpec, type RuntimeJson } from './oci-runtime.js';
import { parseImageLabel } from '../config/index.js';
import { mergeLabelDefaults, type MergedConfig } from './merge.js';
import { containerMounts, idMapping } from './mounts.js';
import { containerNamespaces } from './namespaces.js';
import { capabilitySets } from './capabilities.js';
import { parseRlimit } from './rlimits.js';
import { idNumeric } from './ids.js';
import { normalizeResources } from './resources.js';
import { containerDevices } from './devices.js';
import { runtimeJson } from './runtime.js';

export interface OciResult {
  /** config.json (before the bundle is placed; see specToJson for the bytes). */
  spec: OciSpec;
  /** runtime.json without the rootfs mounts, which depend on the bundle layout. */
  runtime: RuntimeJson;
  /** The settings in force after label defaults and YAML were merged. */
  merged: MergedConfig;
}

/** The image's label defaults, or {} when it has none. */
export function labelDefaults(image: ImageRuntimeConfig | undefined, what = 'image'): ImageConfig {
  const label = image?.Labels?.[MOBY_CONFIG_LABEL];
  return label ? parseImageLabel(label, what) : {};
}

/**
 * config.json and runtime.json for a container. `entry` is the YAML entry (with volume names
 * already resolved, see resolveVolumes); `image` the `config` part of its image configuration;
 * `ids` the allocated ids (allocateIds) that named uids and gids refer to.
 */
export function toOCISpec(
  entry: ImageConfig & { name?: string; image?: string },
  image: ImageRuntimeConfig | undefined,
  ids: ReadonlyMap<string, number>,
): OciResult {
  try {
    return build(entry, image ?? {}, ids);
  } catch (e) {
    if (e instanceof UserError && entry.name) throw new UserError(`failed to create OCI spec for ${entry.name}: ${e.message}`, e.pos, { cause: e });
    throw e;
  }
}

function build(entry: ImageConfig & { image?: string }, image: ImageRuntimeConfig, ids: ReadonlyMap<string, number>): OciResult {
  const merged = mergeLabelDefaults(labelDefaults(image, entry.image), entry);
  const m = merged;
  const readonly = m.readonly ?? false;

  const capabilities = capabilitySets(m.capabilities ?? [], m.ambient ?? []);
  const additionalGids = (m.additionalGids ?? []).map((g) => idNumeric(g, ids));
  const process: OciProcess = {
    user: { uid: idNumeric(m.uid, ids), gid: idNumeric(m.gid, ids), additionalGids },
    // command replaces both Entrypoint and Cmd
    args: m.command ?? [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])],
    env: m.env ?? image.Env ?? [],
    // an empty cwd is not allowed by OCI
    cwd: m.cwd || image.WorkingDir || '/',
    capabilities,
    rlimits: (m.rlimits ?? []).map(parseRlimit),
    noNewPrivileges: m.noNewPrivileges ?? false,
  };
  if (m.oomScoreAdj !== undefined) process.oomScoreAdj = m.oomScoreAdj;

  const resources = m.resources === undefined ? {} : normalizeResources(m.resources);
  const devices = containerDevices(m.devices ?? []);
  if (devices.rules.length > 0) resources.devices = [...(resources.devices ?? []), ...devices.rules];

  const linux: OciLinux = {
    uidMappings: (m.uidMappings ?? []).map(idMapping),
    gidMappings: (m.gidMappings ?? []).map(idMapping),
    sysctl: m.sysctl ?? {},
    resources,
    cgroupsPath: m.cgroupsPath ?? '',
    namespaces: containerNamespaces(m),
    devices: devices.nodes,
    rootfsPropagation: m.rootfsPropagation ?? '',
    maskedPaths: m.maskedPaths ?? [],
    readonlyPaths: m.readonlyPaths ?? [],
  };

  const spec: OciSpec = {
    ociVersion: OCI_VERSION,
    process,
    root: { path: 'rootfs', readonly },
    hostname: m.hostname ?? '',
    mounts: containerMounts({ readonly, tmpfs: m.tmpfs, binds: m.binds, mounts: m.mounts }),
    annotations: m.annotations ?? {},
    linux,
  };
  return { spec, runtime: runtimeJson(m.runtime), merged };
}
