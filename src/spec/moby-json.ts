// The config as LinuxKit writes `files: - metadata: json`: Go's json.MarshalIndent(m, "", "    ")
// of its Moby struct (lk:src/cmd/linuxkit/moby/config.go, Moby and the types under it; build.go
// metadata()). So: struct field order, `omitempty` as tagged (a struct is never empty, so
// `kernel` is always there and `bindNS` is `{}`), absent sections as `null`, `directory` and
// `optional` on every file. Resources, mounts and id mappings are written with the OCI JSON
// names of runtime-spec's structs, as Go encodes them.
import type { Config, ImageEntry, Mount, Runtime } from '../config/index.js';
import { CONFIG } from '../config/index.js';
import { marshalIndent } from './go-json.js';
import { goType } from './model-go.js';
import { idMapping, mountIdMappings } from './mounts.js';
import { normalizeResources } from './resources.js';

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
    mounts: e.mounts?.map(mount),
    resources: e.resources && normalizeResources(e.resources),
    uidMappings: e.uidMappings?.map(idMapping),
    gidMappings: e.gidMappings?.map(idMapping),
    runtime: e.runtime && runtime(e.runtime),
  };
}

/** specs.Mount: the YAML's lower-case id-mapping keys become the OCI names. */
function mount(m: Mount): Record<string, unknown> {
  return { destination: m.destination, type: m.type, source: m.source, options: m.options, ...mountIdMappings(m) };
}

function runtime(r: Runtime): Record<string, unknown> {
  const restart = typeof r.restart === 'string' ? { policy: r.restart } : r.restart;
  return { ...r, mounts: r.mounts?.map(mount), bindNS: r.bindNS ?? {}, restart };
}
