// A small YAML emitter that writes plain data the way Go's gopkg.in/yaml.v3 Marshal does with
// its defaults (4-space indent, sequences indented under their key, literal blocks for multi-line
// strings, double quotes for strings that would read back as another type, single quotes where
// a plain scalar is not allowed, map keys in yaml.v3's "natural" order), or, with YAML_V2, the
// way gopkg.in/yaml.v2 does (2-space indent, sequence items at their key's column; the same
// scalars, both being libyaml). --dry-run uses the first, as LinuxKit's build.go; `metadata:
// yaml` the second, as LinuxKit's moby/build/build.go. Field order comes from the caller.

/** The layout differences between yaml.v3 and yaml.v2. */
export interface YamlStyle {
  /** Indentation of a nested mapping. */
  indent: number;
  /** yaml.v3 indents a sequence under its key; yaml.v2 puts the items at the key's column. */
  indentSequences: boolean;
  /** yaml.v3 orders digits after a digit run differently from yaml.v2 (see compareKeys). */
  v3Keys: boolean;
}

export const YAML_V3: YamlStyle = { indent: 4, indentSequences: true, v3Keys: true };
export const YAML_V2: YamlStyle = { indent: 2, indentSequences: false, v3Keys: false };

/** A mapping whose key order is already decided. */
export class Ordered {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

/** A string map (sysctl, annotations): sorted when emitted, as Go's yaml sorts map keys. */
export class GoMap {
  constructor(readonly map: Record<string, unknown>) {}
}

export function sortedMap(m: Record<string, unknown>): GoMap {
  return new GoMap(m);
}

export function emitDocument(value: Ordered, style: YamlStyle = YAML_V3): string {
  const lines: string[] = [];
  writeMapping(lines, value.entries, 0, false, style);
  return lines.join('\n') + '\n';
}

const sp = (n: number): string => ' '.repeat(n);

function entriesOf(v: unknown, style: YamlStyle): Array<[string, unknown]> | undefined {
  if (v instanceof Ordered) return v.entries;
  if (v instanceof GoMap) {
    const cmp = (a: string, b: string) => compareKeys(a, b, style.v3Keys);
    return Object.keys(v.map)
      .sort(cmp)
      .map((k) => [k, v.map[k]]);
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v as object);
  return undefined;
}

/** A mapping at `indent`; `firstInSeq`: it is a sequence item, its dash at `indent`. */
function writeMapping(lines: string[], entries: Array<[string, unknown]>, indent: number, firstInSeq: boolean, style: YamlStyle): void {
  // yaml.v3 nests relative to the dash of a sequence item, yaml.v2 relative to the key.
  const keyCol = firstInSeq ? indent + 2 : indent;
  const base = style.indentSequences ? indent : keyCol;
  const nested = base + style.indent;
  entries.forEach(([k, v], i) => {
    const head = firstInSeq ? (i === 0 ? `${sp(indent)}- ` : sp(indent + 2)) : sp(indent);
    writeValue(lines, `${head}${scalar(k)}:`, v, style.indentSequences ? nested : keyCol, nested, style);
  });
}

/** Writes `head` followed by the value: a sequence at `seqAt`, a mapping or literal text at `nested`. */
function writeValue(lines: string[], head: string, v: unknown, seqAt: number, nested: number, style: YamlStyle): void {
  if (Array.isArray(v)) {
    if (v.length === 0) return void lines.push(`${head} []`);
    lines.push(head);
    writeSequence(lines, v, seqAt, style);
    return;
  }
  const entries = entriesOf(v, style);
  if (entries) {
    if (entries.length === 0) return void lines.push(`${head} {}`);
    lines.push(head);
    writeMapping(lines, entries, nested, false, style);
    return;
  }
  if (typeof v === 'string' && literalAllowed(v)) {
    lines.push(`${head} ${literalHeader(v)}`);
    for (const l of literalLines(v)) lines.push(l === '' ? '' : sp(nested) + l);
    return;
  }
  lines.push(`${head} ${scalar(v)}`);
}

function writeSequence(lines: string[], items: unknown[], indent: number, style: YamlStyle): void {
  for (const item of items) {
    const entries = entriesOf(item, style);
    if (entries && entries.length > 0) {
      writeMapping(lines, entries, indent, true, style);
    } else if (Array.isArray(item) && item.length > 0) {
      lines.push(`${sp(indent)}-`);
      writeSequence(lines, item, indent + 2, style);
    } else if (typeof item === 'string' && literalAllowed(item)) {
      lines.push(`${sp(indent)}- ${literalHeader(item)}`);
      for (const l of literalLines(item)) lines.push(l === '' ? '' : sp(indent + 2) + l);
    } else {
      lines.push(`${sp(indent)}- ${Array.isArray(item) ? '[]' : entries ? '{}' : scalar(item)}`);
    }
  }
}

function literalAllowed(s: string): boolean {
  if (!s.includes('\n')) return false;
  if (s.startsWith(' ') || s.startsWith('\t') || /^\n*$/.test(s)) return false; // would need an indentation indicator
  if (/[ \t]\n/.test(s) || /[ \t]$/.test(s)) return false; // trailing blanks do not survive a literal block
  return !hasSpecial(s.replace(/[\n\t]/g, ''));
}

function literalHeader(s: string): string {
  if (!s.endsWith('\n')) return '|-';
  return s.endsWith('\n\n') ? '|+' : '|';
}

function literalLines(s: string): string[] {
  return (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n');
}

export function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
  const s = String(v);
  if (s === '' || readsAsOtherType(s) || hasSpecial(s) || s.includes('\n')) return doubleQuoted(s);
  if (!plainAllowed(s)) return `'${s.replace(/'/g, "''")}'`;
  return s;
}

const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF']);
const RESERVED = new Set([
  '~',
  'null',
  'Null',
  'NULL',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  '.inf',
  '.Inf',
  '.INF',
  '+.inf',
  '+.Inf',
  '+.INF',
  '-.inf',
  '-.Inf',
  '-.INF',
  '.nan',
  '.NaN',
  '.NAN',
  '<<',
]);

/** True when yaml.v3 would read the plain text back as null, a bool, a number or a timestamp. */
function readsAsOtherType(s: string): boolean {
  if (OLD_BOOLS.has(s)) return true;
  if (RESERVED.has(s)) return s !== '<<';
  if (!/^[-+.0-9]/.test(s)) return false;
  const plain = s.replace(/_/g, '');
  if (/^[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.test(plain)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return true;
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s)) return true; // YAML 1.1 base 60
  return /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]*)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?$/.test(s);
}

function hasSpecial(s: string): boolean {
  // Control characters (tab included) and BOM force double quotes, as in libyaml's emitter.
  return /[\u0000-\u001f\u007f\ufeff]/.test(s);
}

/** libyaml's rule for plain scalars in block context. */
function plainAllowed(s: string): boolean {
  if (s.startsWith('---') || s.startsWith('...')) return false;
  if (s.startsWith(' ') || s.endsWith(' ')) return false;
  const c = s[0]!;
  if ('#,[]{}&*!|>\'"%@`'.includes(c)) return false;
  if ((c === '?' || c === ':' || c === '-') && (s.length === 1 || s[1] === ' ')) return false;
  if (/: |:$/.test(s)) return false;
  if (s.includes(' #')) return false;
  return true;
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code === 0) out += '\\0';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0').toUpperCase();
    else if (code === 0xfeff) out += '\\uFEFF';
    else out += ch;
  }
  return out + '"';
}

/**
 * yaml.v3's ordering of string map keys: letters by code point, digit runs by value. yaml.v2's
 * (`v3 = false`) differs in one case: after a digit, a letter sorts before a non-letter in v3
 * and after it in v2, as everywhere else.
 */
export function compareKeys(a: string, b: string, v3 = true): number {
  const ar = [...a];
  const br = [...b];
  const isLetter = (c: string): boolean => /\p{L}/u.test(c);
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const x = ar[i]!;
    const y = br[i]!;
    if (x === y) {
      digits = isDigit(x);
      continue;
    }
    const xl = isLetter(x);
    const yl = isLetter(y);
    if (xl && yl) return x < y ? -1 : 1;
    if (xl || yl) return (digits && v3 ? xl : yl) ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (x === '0' || y === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return ar.length - br.length;
}
