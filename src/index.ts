// The library API of linuxkit-ts: what the CLI itself calls, for programs that drive builds,
// runs and packages without going through the command line.
export { build, buildFromConfig, dryRun, planOutputs, type BuildOptions, type BuildPlan } from './build/index.js';
export { loadConfigs, configToYaml, type Config } from './config/index.js';
export { toOCISpec, containerBundles, allocateIds } from './spec/index.js';
export { LayoutStore, resolveImage } from './oci/cache/index.js';
export { normalizeReference, parseReference } from './oci/reference.js';
export { pullImage, type PullOptions } from './oci/pull.js';
export { pushImage, type PushOptions } from './oci/push.js';
export { getFormat, formatNames } from './formats/registry.js';
export { runQemu, prepareQemu, runQemuDetached, VmHandle, type QemuRunOptions } from './run/index.js';
export { loadPackage, shortRef, canonicalRef, type Package } from './pkg/package.js';
export { buildPackage } from './pkg/build.js';
export { UserError } from './util/errors.js';
