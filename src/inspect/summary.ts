// From the items of an output to the report: size by component (the `stored` column adds up to
// the output's size, since every byte of the output is in exactly one item), the largest files,
// the files with the same bytes in several components, and the tree the treemap draws.
import type { ComponentSize, Duplicate, InspectReport, Item, TreeNode, Walk } from './types.js';

/** How many of the largest files the report lists. */
const LARGEST = 15;
/** A directory of the treemap with more entries than this shows the rest as one "(N more)" box. */
const TREE_FANOUT = 300;

export function summarize(input: string, walk: Walk): InspectReport {
  const total = walk.outputs.reduce((a, o) => a + o.size, 0);
  const byId = new Map<string, ComponentSize>();
  for (const it of walk.items) {
    const c = it.component;
    let s = byId.get(c.id);
    if (!s) byId.set(c.id, (s = { id: c.id, kind: c.kind, label: c.label, unpacked: 0, stored: 0, files: 0 }));
    s.unpacked += it.size;
    s.stored += it.stored;
    if (it.kind === 'file') s.files++;
  }
  const largest = walk.items
    .filter((i) => i.kind === 'file')
    .sort((a, b) => b.size - a.size || a.path.localeCompare(b.path))
    .slice(0, LARGEST)
    .map((i) => ({ path: i.path, component: i.component.label, size: i.size }));
  const dup = duplicates(walk.items);
  return {
    input,
    kind: walk.kind,
    outputs: walk.outputs,
    total,
    ...(walk.compression && { compression: walk.compression }),
    ...(walk.members !== undefined && { members: walk.members }),
    components: [...byId.values()],
    largest,
    ...dup,
  };
}

/** Files (and the build's hard links) with the same data in at least two components. */
function duplicates(items: Item[]): Pick<InspectReport, 'duplicates' | 'duplicateBytes' | 'sharedBytes' | 'sharedFiles'> {
  const byHash = new Map<string, Item[]>();
  for (const it of items) {
    if (!it.hash || (it.kind === 'file' && it.size === 0)) continue;
    const list = byHash.get(it.hash);
    if (list) list.push(it);
    else byHash.set(it.hash, [it]);
  }
  const out: Duplicate[] = [];
  let duplicateBytes = 0;
  let sharedBytes = 0;
  let sharedFiles = 0;
  for (const list of byHash.values()) {
    if (list.length < 2 || new Set(list.map((i) => i.component.id)).size < 2) continue;
    const size = Math.max(...list.map((i) => i.sharedSize ?? i.size));
    const copies = list.map((i) => ({ component: i.component.label, path: i.path, shared: i.kind === 'hardlink' }));
    const stored = copies.filter((c) => !c.shared).length;
    duplicateBytes += Math.max(0, stored - 1) * size;
    sharedBytes += (copies.length - stored) * size;
    sharedFiles += copies.length - stored;
    out.push({ size, copies });
  }
  const saving = (d: Duplicate) => d.size * (d.copies.length - 1);
  out.sort((a, b) => saving(b) - saving(a) || a.copies[0]!.path.localeCompare(b.copies[0]!.path));
  return { duplicates: out, duplicateBytes, sharedBytes, sharedFiles };
}

/** The tree of the treemap: components, then the directories and files inside each. */
export function tree(walk: Walk, name: string): TreeNode {
  interface Dir {
    stored: number;
    unpacked: number;
    dirs: Map<string, Dir>;
    files: TreeNode[];
  }
  const dir = (): Dir => ({ stored: 0, unpacked: 0, dirs: new Map(), files: [] });
  const roots = new Map<string, { label: string; dir: Dir }>();
  for (const it of walk.items) {
    const c = it.component;
    let root = roots.get(c.id);
    if (!root) roots.set(c.id, (root = { label: c.label, dir: dir() }));
    const rel = c.prefix && it.path.startsWith(c.prefix) ? it.path.slice(c.prefix.length) : it.path === c.prefix.replace(/\/$/, '') ? '.' : it.path;
    const parts = rel.split('/').filter((p) => p && p !== '.');
    let d = root.dir;
    d.stored += it.stored;
    d.unpacked += it.size;
    // A directory's own entry adds its header to the directory; a file is a leaf.
    const depth = it.kind === 'dir' ? parts.length : parts.length - 1;
    for (let i = 0; i < depth; i++) {
      const p = parts[i]!;
      let next = d.dirs.get(p);
      if (!next) d.dirs.set(p, (next = dir()));
      d = next;
      d.stored += it.stored;
      d.unpacked += it.size;
    }
    if (it.kind !== 'dir') d.files.push([parts[parts.length - 1] ?? it.path, it.stored, it.size]);
  }
  const toNode = (n: string, d: Dir): TreeNode => {
    const kids: TreeNode[] = [...[...d.dirs].map(([k, v]) => toNode(k, v)), ...d.files].sort((a, b) => b[1] - a[1]);
    if (kids.length > TREE_FANOUT) {
      const rest = kids.splice(TREE_FANOUT - 1);
      kids.push([`(${rest.length} more)`, rest.reduce((a, k) => a + k[1], 0), rest.reduce((a, k) => a + k[2], 0)]);
    }
    return kids.length ? [n, d.stored, d.unpacked, kids] : [n, d.stored, d.unpacked];
  };
  const kids = [...roots.values()].map((r) => toNode(r.label, r.dir)).sort((a, b) => b[1] - a[1]);
  return [name, kids.reduce((a, k) => a + k[1], 0), kids.reduce((a, k) => a + k[2], 0), kids];
}
