// Validation against schema/linuxkit.schema.json (the same file editors use through
// yaml-language-server), with every ajv error turned into "file:line:col: path: what is expected".
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { UserError, type SourcePos } from '../util/index.js';
import { joinPath, keyPos, sourcePos } from './positions.js';
import { PACKAGE_ROOT } from '../package-root.js';

/** The published schema (editors use it too). */
export const SCHEMA_URL = pathToFileURL(join(PACKAGE_ROOT, 'schema/linuxkit.schema.json'));
/** Written by scripts/precompile-schema.mjs. */
const PRECOMPILED = join(PACKAGE_ROOT, 'dist/src/config/schema-validator.cjs');

let compiled: ValidateFunction | undefined;

function schemaText(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}

export function loadSchema(): object {
  return JSON.parse(schemaText()) as object;
}

/**
 * The validator precompiled at build time (scripts/precompile-schema.mjs), if it was made from
 * this very schema text; compiling at run time costs ~0.2 s of every start.
 */
function precompiled(text: string): ValidateFunction | undefined {
  try {
    const mod = createRequire(import.meta.url)(PRECOMPILED) as { default: ValidateFunction; schemaHash: string };
    return mod.schemaHash === createHash('sha256').update(text).digest('hex') ? mod.default : undefined;
  } catch {
    return undefined;
  }
}

function validator(): ValidateFunction {
  if (!compiled) {
    const text = schemaText();
    // Same options as scripts/precompile-schema.mjs (keep them in step).
    // ajv itself is loaded only when needed: loading it is a good part of the cost.
    compiled ??= precompiled(text);
    if (!compiled) {
      const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
      compiled = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(JSON.parse(text) as object);
    }
  }
  return compiled;
}

/**
 * Validates one parsed file; returns every problem found (empty when valid) and the places of
 * the values that are wrong (not of unknown keys or missing fields, which the later checks
 * can live with), as key paths from the root.
 */
export function schemaErrors(value: unknown, file: string): { errors: UserError[]; badValues: Array<Array<string | number>> } {
  const validate = validator();
  if (validate(value)) return { errors: [], badValues: [] };
  const list = validate.errors ?? [];
  const badValues = list.filter((e) => e.keyword !== 'additionalProperties' && e.keyword !== 'required').map((e) => locate(value, e.instancePath).keys);
  return { errors: toUserErrors(list, value, file), badValues };
}

function toUserErrors(errors: ErrorObject[], root: unknown, file: string, positions = true): UserError[] {
  // An anyOf (uid: string or integer) also reports each branch's failure; keep only the anyOf.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: UserError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf' && anyOfPaths.has(e.instancePath) && e.schemaPath.includes('/anyOf/')) continue;
    const { parent, key, path } = locate(root, e.instancePath);
    const here = (parent !== undefined && key !== undefined ? sourcePos(parent, key) : undefined) ?? rootPos(root, file);
    let pos: SourcePos = here;
    let message: string;
    const value = e.data;
    switch (e.keyword) {
      case 'additionalProperties': {
        const field = String((e.params as { additionalProperty: string }).additionalProperty);
        const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        const target = (parent !== undefined && key !== undefined ? (parent as Record<string | number, unknown>)[key] : root) as object;
        pos = keyPos(target, field) ?? here;
        const hint = closest(field, allowed);
        message = `unknown field "${field}"${hint ? ` (did you mean "${hint}"?)` : ''} (expected one of: ${allowed.join(', ')})`;
        break;
      }
      case 'required':
        message = `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case 'type':
        message = `expected ${describeType((e.params as { type: string | string[] }).type)}${got(value)}`;
        if (typeof value === 'number' && /mode/.test(path)) message += ' (quote octal modes: "0644")';
        break;
      case 'anyOf': {
        const branches = ((e.parentSchema as { anyOf?: Array<{ type?: string }> } | undefined)?.anyOf ?? [])
          .map((b) => b.type)
          .filter((t): t is string => typeof t === 'string');
        message = `expected ${branches.length ? branches.map((t) => describeType(t)).join(' or ') : 'another kind of value'}${got(value)}`;
        break;
      }
      case 'enum':
        message = `expected one of: ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}${got(value)}`;
        break;
      case 'minLength':
        message = 'must not be empty';
        break;
      case 'minimum':
      case 'maximum':
        message = `must be ${(e.params as { comparison: string }).comparison} ${(e.params as { limit: number }).limit}${got(value)}`;
        break;
      default:
        message = e.message ?? `invalid (${e.keyword})`;
    }
    const full = path ? `${path}: ${message}` : message;
    const id = `${pos.line}:${pos.col}:${full}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(positions ? new UserError(full, pos) : new UserError(full));
  }
  return positions ? out.sort((a, b) => a.pos!.line - b.pos!.line || a.pos!.col - b.pos!.col) : out;
}

function rootPos(root: unknown, file: string): SourcePos {
  return (root !== null && typeof root === 'object' ? sourcePos(root) : undefined) ?? { file, line: 1, col: 1 };
}

/** Follows a JSON pointer from the root; returns the last container, key and the user's path. */
function locate(root: unknown, pointer: string): { parent?: object; key?: string | number; path: string; keys: Array<string | number> } {
  if (pointer === '') return { path: '', keys: [] };
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = root;
  let parent: object | undefined;
  let key: string | number | undefined;
  let path = '';
  const keys: Array<string | number> = [];
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object') break;
    parent = cur;
    key = Array.isArray(cur) ? Number(part) : part;
    keys.push(key);
    path = joinPath(path, key);
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return { parent, key, path, keys };
}

function describeType(t: string | string[]): string {
  if (Array.isArray(t)) return t.map((x) => describeType(x)).join(' or ');
  switch (t) {
    case 'string':
      return 'a string';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping (key: value)';
    case 'null':
      return 'nothing';
    default:
      return t;
  }
}

function got(value: unknown): string {
  if (value === null) return ', got nothing (null)';
  if (Array.isArray(value)) return ', got a list';
  if (typeof value === 'object') return ', got a mapping';
  if (typeof value === 'string') return `, got "${value.length > 40 ? value.slice(0, 37) + '...' : value}"`;
  return `, got ${String(value)}`;
}

/** The allowed name nearest to a misspelt one, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best !== undefined && bestDist <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/**
 * Validates an image's container settings (its org.mobyproject.config label, already parsed) as
 * LinuxKit's NewImage does: as the only entry of `services`, with a placeholder name and image.
 * Messages name the field inside the label ("capabilities[0]: expected a string").
 */
export function labelSchemaErrors(label: unknown): UserError[] {
  const validate = validator();
  if (label === null || typeof label !== 'object' || Array.isArray(label)) {
    return [new UserError('expected a mapping (JSON object) of container settings')];
  }
  const probe = { services: [{ name: 'label', image: 'label', ...label }] };
  if (validate(probe)) return [];
  return toUserErrors(validate.errors ?? [], probe, '', false).map((e) => new UserError(e.message.replace(/^services\[0\]\.?/, '').replace(/^: /, '')));
}
