// The exact bytes LinuxKit writes for config.json and runtime.json. The Go types mirror the
// field order and `omitempty` tags of runtime-spec v1.2.1's specs-go/config.go (as vendored by
// LinuxKit HEAD), from their declarations: the OCI structs in oci-runtime.ts, LinuxKit's Runtime
// in the YAML model (config/model.ts). Only the fields LinuxKit can set are described; the
// encoder rejects anything else.
import { RUNTIME } from '../config/index.js';
import { marshalIndent, type GoType } from './go-json.js';
import { goType } from './model-go.js';
import { SPEC, type OciSpec, type RuntimeJson } from './oci-runtime.js';

/** specs.Spec (the fields LinuxKit sets), from its declaration (oci-runtime.ts). */
export const SPEC_TYPE: GoType = goType(SPEC);

/**
 * LinuxKit's Runtime as written to runtime.json. Every field is a non-nil pointer after
 * assignRuntime, so empty lists are written as [] and bindNS entries as "".
 */
const RUNTIME_TYPE: GoType = goType(RUNTIME);

/** The bytes of config.json, exactly as LinuxKit writes them (no trailing newline). */
export function specToJson(spec: OciSpec): string {
  return marshalIndent(spec, SPEC_TYPE);
}

/** The bytes of runtime.json, exactly as LinuxKit writes them (no trailing newline). */
export function runtimeToJson(runtime: RuntimeJson): string {
  return marshalIndent(runtime, RUNTIME_TYPE);
}
