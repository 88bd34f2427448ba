// YAML text → plain JS value, with the position of every mapping, key, value and list item
// recorded (positions.ts). YAML syntax errors become UserErrors with file:line:col.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import { UserError, UserErrors, type SourcePos } from '../util/index.js';
import { joinPath, recordPositions } from './positions.js';

export interface ParsedFile {
  /** The name used in messages: the path as given, "<stdin>" or the URL. */
  file: string;
  value: unknown;
}

export function parseYaml(text: string, file: string): ParsedFile {
  const lineCounter = new LineCounter();
  // merge: YAML 1.1 "<<" merge keys, which LinuxKit's Go decoder (yaml.v3) also honours.
  const docs = parseAllDocuments(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const posAt = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const empty = (what: string) =>
    new UserError(`${what}: a configuration needs at least one section (kernel, init, onboot, services, files…); LinuxKit refuses it too`, {
      file,
      line: 1,
      col: 1,
    });
  if (!Array.isArray(docs) || docs.length === 0) throw empty('the file is empty (no YAML document)');
  const errors: UserError[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) errors.push(new UserError(firstLine(e.message), posAt(e.pos[0]), { cause: e }));
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new UserErrors(errors);
  if (docs.length > 1) {
    const second = docs[1]!;
    throw new UserError('a configuration file holds one YAML document; this is a second one (LinuxKit would silently ignore it)', posAt(second.range[0]));
  }
  const doc = docs[0]!;
  if (doc.contents === null) throw empty('the file is empty (no YAML value, only comments or blank lines)');
  // An alias to an anchor that is not (yet) defined makes toJS throw: report it at the alias.
  const unresolved: UserError[] = [];
  visit(doc, {
    Alias(_, node) {
      if (!node.resolve(doc)) unresolved.push(new UserError(`unknown alias *${node.source}: no anchor &${node.source} before it`, posAt(node.range?.[0] ?? 0)));
    },
  });
  if (unresolved.length) throw unresolved.length === 1 ? unresolved[0]! : new UserErrors(unresolved);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (err) {
    throw new UserError((err as Error).message, posAt(doc.range[0]), { cause: err });
  }
  if (value === null || value === undefined) throw empty('the file holds only null (~)');
  walk(doc, doc.contents as Node, value, '', posAt);
  return { file, value };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Records positions for `js`, the value that `node` became, and everything under it. */
function walk(doc: Document, node: Node, js: unknown, path: string, posAt: (o: number) => SourcePos): void {
  let n: unknown = node;
  // An alias stands for its anchor's node; toJS gave it the same JS value.
  for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(doc);
  if (js === null || typeof js !== 'object') return;
  if (isMap(n)) {
    const np = recordPositions(js, posAt(n.range?.[0] ?? 0), path);
    const obj = js as Record<string, unknown>;
    const mergeSources: unknown[] = [];
    for (const pair of n.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      if (key === '<<' && isScalar(keyNode) && !keyNode.type?.startsWith('QUOTE')) {
        mergeSources.push(pair.value);
        continue;
      }
      const keyPos = posAt(keyNode?.range?.[0] ?? 0);
      np.keys.set(key, keyPos);
      const valueNode = pair.value as Node | null;
      const valueStart = valueNode?.range?.[0];
      // `key:` with no value: point at the key.
      np.values.set(key, valueStart !== undefined && isRealValue(valueNode) ? posAt(valueStart) : keyPos);
      if (valueNode) walk(doc, valueNode, obj[key], joinPath(path, key), posAt);
    }
    // Merged-in keys (<<: *anchor) take the anchor's positions, unless given explicitly.
    for (const src of mergeSources) {
      let s: unknown = src;
      for (let i = 0; i < 100 && isAlias(s); i++) s = s.resolve(doc);
      const maps = isSeq(s) ? s.items.map((it) => (isAlias(it) ? it.resolve(doc) : it)) : [s];
      for (const m of maps) {
        if (!isMap(m)) continue;
        for (const pair of m.items) {
          const keyNode = pair.key as Node | null;
          const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
          if (np.keys.has(key)) continue;
          np.keys.set(key, posAt(keyNode?.range?.[0] ?? 0));
          const valueNode = pair.value as Node | null;
          np.values.set(key, posAt(valueNode?.range?.[0] ?? keyNode?.range?.[0] ?? 0));
          if (valueNode) walk(doc, valueNode, obj[key], joinPath(path, key), posAt);
        }
      }
    }
  } else if (isSeq(n) && Array.isArray(js)) {
    const np = recordPositions(js, posAt(n.range?.[0] ?? 0), path);
    n.items.forEach((item, i) => {
      const itemNode = item as Node;
      np.values.set(i, posAt(itemNode?.range?.[0] ?? n.range?.[0] ?? 0));
      walk(doc, itemNode, js[i], joinPath(path, i), posAt);
    });
  }
}

function isRealValue(node: Node | null): boolean {
  // The parser gives `key:` an empty null scalar placed after the key; its range is not useful.
  return !(isScalar(node) && node.value === null && node.source === '');
}
