// Go-JSON descriptors (go-json.ts) of the YAML model's structs, derived from their one
// declaration (config/model.ts): JSON names, pointer or value, omitempty. `metadata: json`,
// runtime.json and the OCI resources, mounts and id mappings of config.json are written with them.
import type { Field, Fields, Kind } from '../config/index.js';
import { omitsEmpty } from '../config/index.js';
import { Go, type GoField, type GoType } from './go-json.js';

/** The Go type a kind stands for (a union: the branch Go holds). */
export function goType(kind: Kind): GoType {
  switch (kind.k) {
    case 'string':
    case 'enum':
      return Go.S;
    case 'int':
      return Go.I;
    case 'bool':
      return Go.B;
    case 'id':
      return Go.A;
    case 'list':
      return Go.slice(goType(kind.item));
    case 'map':
      return Go.map(goType(kind.item));
    case 'union':
      return goType(kind.of[kind.go]!);
    case 'struct':
      return Go.struct(
        ...Object.entries(kind.fields as Fields)
          .filter(([, f]) => f.only !== 'schema')
          .map(([name, f]) => goField(name, f)),
      );
  }
}

function goField(name: string, f: Field): GoField {
  const t = goType(f.kind);
  return Go.f(f.json ?? name, f.go === 'ptr' ? Go.ptr(t) : t, omitsEmpty(f));
}
