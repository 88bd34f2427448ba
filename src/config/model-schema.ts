// The JSON Schema of the YAML model, generated from its declaration (model.ts). The build
// (scripts/generate-schema.mjs) writes it to schema/linuxkit.schema.json, the file editors use
// and the validator is precompiled from; model-schema.test.ts checks the committed file is current.
import type { Field, Fields, Kind, StructKind } from './model-kinds.js';
import { CONFIG } from './model.js';

type Schema = Record<string, unknown>;

/** The schema document, as schema/linuxkit.schema.json holds it. */
export function configSchema(): Schema {
  const definitions: Record<string, Schema> = {};
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/linuxkit/linuxkit-ts/schema/linuxkit.schema.json',
    title: 'LinuxKit configuration (linuxkit build)',
    ...inline(CONFIG, definitions),
    definitions,
  };
}

/** The text of schema/linuxkit.schema.json. */
export function configSchemaText(): string {
  return JSON.stringify(configSchema(), null, 2) + '\n';
}

/** A kind where it is used: a $ref to its definition (written on first use), or inline. */
function use(kind: Kind, definitions: Record<string, Schema>): Schema {
  if (kind.def === undefined) return inline(kind, definitions);
  if (!(kind.def in definitions)) {
    definitions[kind.def] = {}; // keeps first-use order
    definitions[kind.def] = inline(kind, definitions);
  }
  return { $ref: `#/definitions/${kind.def}` };
}

function inline(kind: Kind, definitions: Record<string, Schema>): Schema {
  const doc = { description: kind.doc, examples: kind.examples };
  switch (kind.k) {
    case 'string':
      return clean({ type: 'string', minLength: kind.minLength, ...doc });
    case 'int':
      return clean({ type: 'integer', minimum: kind.min, maximum: kind.max, ...doc });
    case 'bool':
      return clean({ type: 'boolean', ...doc });
    case 'id':
      return clean({ ...doc, anyOf: [{ type: 'string' }, { type: 'integer' }] });
    case 'enum':
      return clean({ enum: kind.values, ...doc });
    case 'list':
      return clean({ ...doc, type: 'array', items: use(kind.item, definitions) });
    case 'map':
      return clean({ ...doc, type: 'object', additionalProperties: use(kind.item, definitions) });
    case 'union':
      return clean({ ...doc, [kind.exclusive ? 'oneOf' : 'anyOf']: kind.of.map((k) => use(k, definitions)) });
    case 'struct':
      return structSchema(kind, doc, definitions);
  }
}

function structSchema(kind: StructKind, doc: Schema, definitions: Record<string, Schema>): Schema {
  const fields = Object.entries(kind.fields as Fields).filter(([, f]) => f.only !== 'go');
  const required = fields.filter(([, f]) => f.required).map(([name]) => name);
  return clean({
    ...doc,
    type: 'object',
    additionalProperties: false,
    required: required.length ? required : undefined,
    properties: Object.fromEntries(fields.map(([name, f]) => [name, fieldSchema(f, definitions)])),
  });
}

function fieldSchema(f: Field, definitions: Record<string, Schema>): Schema {
  const s = use(f.kind, definitions);
  return clean({ ...s, description: f.doc ?? s.description, examples: f.examples ?? s.examples, deprecated: f.deprecated });
}

/** Drops the keys left undefined. */
function clean(s: Schema): Schema {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined));
}
