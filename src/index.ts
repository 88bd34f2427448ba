// The library API of linuxkit-ts: what the CLI itself calls, for programs that drive builds,
// runs and packages without going through the command line.
export { build, buildFromConfig, dryRun, planOutputs, type BuildOptions, type BuildPlan } from './build/index.js';
export { loadConfigs, configToYaml, type Config } from './config/index.js';
export { toOCISpec, containerBundles, allocateIds } from './spec/index.js';
export { LayoutStore, resolveImage } from './oci/index.js';
export { normalizeReference, parseReference } from './oci/index.js';
export { pullImage, type PullOptions } from './oci/index.js';
export { pushImage, type PushOptions } from './oci/index.js';
export { getFormat, formatNames } from './formats/index.js';
export { runQemu, prepareQemu, runQemuDetached, VmHandle, type QemuRunOptions } from './run/index.js';
export { loadPackage, shortRef, canonicalRef, type Package } from './pkg/index.js';
export { buildPackage } from './pkg/index.js';
export { UserError } from './util/index.js';
