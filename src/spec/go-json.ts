// A small emulation of Go's encoding/json MarshalIndent, so that the config.json and runtime.json
// written here are byte-identical to LinuxKit's (lk:moby/build/build.go:117 and image.go:543 both
// use json.MarshalIndent(v, "", "    ")). JSON.stringify cannot do this: Go writes struct fields
// in declaration order and drops `omitempty` fields by Go's zero-value rules, sorts map keys
// bytewise, escapes <, >, &, U+2028 and U+2029, and keeps uint64 values exact. So values are
// encoded against a description of the Go type they stand for.

/** The Go types that occur in specs.Spec and LinuxKit's Runtime. */
export type GoType =
  | 'string'
  | 'bool'
  /** any Go integer type: a JS number (safe integer) or a bigint */
  | 'int'
  /** interface{} holding a string, an integer or a bool (a uid given as a name or a number) */
  | 'any'
  | { struct: GoField[] }
  | { ptr: GoType }
  | { slice: GoType }
  /** map[string]T: keys written in bytewise order */
  | { map: GoType };

export interface GoField {
  /** The JSON name (also the TS property name). */
  name: string;
  type: GoType;
  omitempty?: boolean;
}

/** Shorthands for describing Go types: Go.S (string), Go.ptr(Go.I), Go.f('name', Go.S)… */
export const Go = {
  S: 'string' as const,
  B: 'bool' as const,
  I: 'int' as const,
  /** interface{} */
  A: 'any' as const,
  ptr: (t: GoType): GoType => ({ ptr: t }),
  slice: (t: GoType): GoType => ({ slice: t }),
  map: (t: GoType): GoType => ({ map: t }),
  struct: (...fields: GoField[]): GoType => ({ struct: fields }),
  /** A field; omitempty unless told otherwise, as most tags say. */
  f: (name: string, type: GoType, omitempty = true): GoField => ({ name, type, omitempty }),
};

/** json.MarshalIndent(value, "", indent) for a value of the given Go type. No trailing newline. */
export function marshalIndent(value: unknown, type: GoType, indent = '    '): string {
  return encode(value, type, 0, indent, '$');
}

function encode(v: unknown, t: GoType, depth: number, indent: string, at: string): string {
  if (t === 'string') {
    if (v === undefined) return '""';
    if (typeof v !== 'string') throw new TypeError(`${at}: expected a string, got ${typeof v}`);
    return quote(v);
  }
  if (t === 'bool') {
    if (v === undefined) return 'false';
    if (typeof v !== 'boolean') throw new TypeError(`${at}: expected a boolean, got ${typeof v}`);
    return v ? 'true' : 'false';
  }
  if (t === 'int') {
    if (v === undefined) return '0';
    if (typeof v === 'bigint') return v.toString();
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`${at}: expected an integer, got ${String(v)}`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  if (t === 'any') {
    if (v === undefined || v === null) return 'null';
    if (typeof v === 'string') return encode(v, 'string', depth, indent, at);
    if (typeof v === 'boolean') return encode(v, 'bool', depth, indent, at);
    return encode(v, 'int', depth, indent, at);
  }
  if ('ptr' in t) {
    if (v === undefined || v === null) return 'null';
    return encode(v, t.ptr, depth, indent, at);
  }
  if ('slice' in t) {
    if (v === undefined || v === null) return 'null';
    if (!Array.isArray(v)) throw new TypeError(`${at}: expected an array`);
    if (v.length === 0) return '[]';
    const inner = indent.repeat(depth + 1);
    const items = v.map((item, i) => inner + encode(item, t.slice, depth + 1, indent, `${at}[${i}]`));
    return `[\n${items.join(',\n')}\n${indent.repeat(depth)}]`;
  }
  if ('map' in t) {
    if (v === undefined || v === null) return 'null';
    const obj = asObject(v, at);
    const keys = Object.keys(obj).sort(compareBytewise);
    if (keys.length === 0) return '{}';
    const inner = indent.repeat(depth + 1);
    const items = keys.map((k) => `${inner}${quote(k)}: ${encode(obj[k], t.map, depth + 1, indent, `${at}.${k}`)}`);
    return `{\n${items.join(',\n')}\n${indent.repeat(depth)}}`;
  }
  // struct: a missing value is Go's zero struct
  const obj = v === undefined ? {} : asObject(v, at);
  const known = new Set(t.struct.map((f) => f.name));
  for (const k of Object.keys(obj)) {
    // Catches a value carrying a field the Go type does not have (it would be silently lost).
    if (!known.has(k) && obj[k] !== undefined) throw new TypeError(`${at}: unexpected field "${k}"`);
  }
  const inner = indent.repeat(depth + 1);
  const items: string[] = [];
  for (const f of t.struct) {
    const fv = obj[f.name];
    if (f.omitempty && isEmpty(fv, f.type)) continue;
    items.push(`${inner}${quote(f.name)}: ${encode(fv, f.type, depth + 1, indent, `${at}.${f.name}`)}`);
  }
  if (items.length === 0) return '{}';
  return `{\n${items.join(',\n')}\n${indent.repeat(depth)}}`;
}

/** Go's omitempty rule: false, 0, "", nil pointer, and nil or empty slice or map. Never a struct. */
function isEmpty(v: unknown, t: GoType): boolean {
  if (typeof t === 'object' && 'struct' in t) return false;
  if (v === undefined || v === null) return true;
  if (t === 'string') return v === '';
  if (t === 'bool') return v === false;
  if (t === 'int') return v === 0 || v === 0n;
  if (t === 'any' || 'ptr' in t) return false;
  if ('slice' in t) return Array.isArray(v) && v.length === 0;
  return Object.keys(v as object).length === 0; // map
}

function asObject(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`${at}: expected an object`);
  return v as Record<string, unknown>;
}

/** Go sorts map keys as byte strings (UTF-8), which is not JS's UTF-16 order. */
export function compareBytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const HEX = '0123456789abcdef';

/**
 * A Go JSON string (encoding/json with HTML escaping on, as Marshal does; Go ≥ 1.22 escapes
 * \b and \f by name). Lone surrogates, which Go could not hold as valid UTF-8, become `\ufffd`.
 */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      switch (c) {
        case 0x22:
          out += '\\"';
          break;
        case 0x5c:
          out += '\\\\';
          break;
        case 0x08:
          out += '\\b';
          break;
        case 0x0c:
          out += '\\f';
          break;
        case 0x0a:
          out += '\\n';
          break;
        case 0x0d:
          out += '\\r';
          break;
        case 0x09:
          out += '\\t';
          break;
        case 0x3c:
        case 0x3e:
        case 0x26: // <, >, &
          out += '\\u00' + HEX[c >> 4] + HEX[c & 0xf];
          break;
        default:
          out += c < 0x20 ? '\\u00' + HEX[c >> 4] + HEX[c & 0xf] : s[i];
      }
    } else if (c === 0x2028 || c === 0x2029) {
      out += c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += '\\ufffd'; // Go writes the replacement as an escape
    } else {
      out += s[i];
    }
  }
  return out + '"';
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
