// The config as LinuxKit writes `files: - metadata: json`: Go's json.MarshalIndent(m, "", "    ")
// of its Moby struct (lk:src/cmd/linuxkit/moby/config.go, Moby and the types under it; build.go
// metadata()). So: struct field order, `omitempty` as tagged (a struct is never empty, so
// `kernel` is always there and `bindNS` is `{}`), absent sections as `null`, `directory` and
// `optional` on every file. Resources, mounts and id mappings are written with the OCI JSON
// names of runtime-spec's structs, as Go encodes them.
import type { Config, ImageEntry, Runtime } from '../config/index.js';
import { CONFIG } from '../config/index.js';
import { marshalIndent } from './go-json.js';
import { goType } from './model-go.js';
import { givenMount, idMapping } from './mounts.js';
import { normalizeResources } from './resources.js';
import { restartJson } from './runtime.js';

/** LinuxKit's Moby struct and everything under it, from the model. */
const MOBY = goType(CONFIG);

/** The bytes of a `metadata: json` file (no trailing newline, as MarshalIndent). */
export function configToGoJson(c: Config): string {
  return marshalIndent(
    {
      kernel: c.kernel ?? {},
      init: c.init,
      onboot: c.onboot?.map(image),
      onshutdown: c.onshutdown?.map(image),
      services: c.services?.map(image),
      files: c.files,
      volumes: c.volumes,
    },
    MOBY,
  );
}

function image(e: ImageEntry): Record<string, unknown> {
  return {
    ...e,
    mounts: e.mounts?.map(givenMount),
    resources: e.resources && normalizeResources(e.resources),
    uidMappings: e.uidMappings?.map(idMapping),
    gidMappings: e.gidMappings?.map(idMapping),
    runtime: e.runtime && runtime(e.runtime),
  };
}

function runtime(r: Runtime): Record<string, unknown> {
  return { ...r, mounts: r.mounts?.map(givenMount), bindNS: r.bindNS ?? {}, restart: r.restart && restartJson(r.restart) };
}
