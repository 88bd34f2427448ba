// The script of `linuxkit inspect --html`'s page: a squarified treemap (Bruls, Huizing, van Wijk,
// "Squarified Treemaps", 2000) drawn as SVG, zoomed by clicking, with a self-test a headless
// browser can run (#selftest). These functions are put into the page as their source text
// (html.ts), so they use nothing outside themselves and each other: no imports, no closures over
// module state. `bytes` is also the text report's size format (one place for both).

/** A size for people: 812 B, 3.4 kB, 14.2 MB (decimal, as the rest of the project prints sizes). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

/** The aspect ratio of the worst rectangle of a row of areas laid along a side of length `side`. */
function worstRatio(row: number[], side: number): number {
  let sum = 0;
  let max = 0;
  let min = Infinity;
  for (const a of row) {
    sum += a;
    if (a > max) max = a;
    if (a < min) min = a;
  }
  const s2 = sum * sum;
  const w2 = side * side;
  return Math.max((w2 * max) / s2, s2 / (w2 * min));
}

/**
 * Rectangles [x, y, w, h] for `values` (sorted largest first, all > 0) filling the rectangle
 * (x, y, w, h), areas in proportion to the values, as close to squares as the squarified
 * algorithm gets: rows are laid along the shorter side while adding to a row does not make its
 * worst aspect ratio worse.
 */
export function squarify(values: number[], x: number, y: number, w: number, h: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  const total = values.reduce((a, b) => a + b, 0);
  if (!(total > 0) || w <= 0 || h <= 0) return values.map(() => [x, y, 0, 0]);
  const scale = (w * h) / total;
  const areas = values.map((v) => v * scale);
  let i = 0;
  while (i < areas.length) {
    const side = Math.min(w, h);
    const row = [areas[i]!];
    let j = i + 1;
    while (j < areas.length && worstRatio([...row, areas[j]!], side) <= worstRatio(row, side)) row.push(areas[j++]!);
    const sum = row.reduce((a, b) => a + b, 0);
    // The last row takes what is left, so rounding never leaves a gap.
    const thick = j >= areas.length ? (w >= h ? w : h) : sum / side;
    let off = 0;
    for (const a of row) {
      const len = (a / sum) * side;
      out.push(w >= h ? [x, y + off, thick, len] : [x + off, y, len, thick]);
      off += len;
    }
    if (w >= h) {
      x += thick;
      w -= thick;
    } else {
      y += thick;
      h -= thick;
    }
    i = j;
  }
  return out;
}

type Node = [string, number, number, Node[]?];

// The little of the DOM the page uses (the project compiles without the DOM library).
interface DomEvent {
  preventDefault(): void;
}
interface DomElement {
  textContent: string | null;
  href: string;
  style: { cursor: string };
  appendChild(child: DomElement): unknown;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, listener: (ev: DomEvent) => void): void;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
  dispatchEvent(ev: unknown): boolean;
}
interface DomDocument {
  location: { hash: string };
  getElementById(id: string): DomElement | null;
  createElement(name: string): DomElement;
  createElementNS(ns: string, name: string): DomElement;
  createTextNode(text: string): DomElement;
}
declare const MouseEvent: new (type: string, init: { bubbles: boolean }) => unknown;

/** Draws the treemap of `data` into the page's #map and wires clicks, the breadcrumb and #selftest. */
export function treemapPage(data: Node, doc: DomDocument): void {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 1200;
  const H = 640;
  const svg = doc.getElementById('map')!;
  const crumb = doc.getElementById('crumb')!;
  const path: Node[] = [data];
  const hues = new Map<Node, number>();
  (data[3] ?? []).forEach((k, i) => hues.set(k, (i * 137.5 + 200) % 360));
  const el = (name: string, attrs: Record<string, string | number>, parent: DomElement): DomElement => {
    const e = doc.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    parent.appendChild(e);
    return e;
  };
  const visible = (n: Node): Node[] => (n[3] ?? []).filter((k) => k[1] > 0);
  function draw(): void {
    const node = path[path.length - 1]!;
    const hue = path.length > 1 ? hues.get(path[1]!)! : undefined;
    svg.textContent = '';
    crumb.textContent = '';
    path.forEach((p, i) => {
      if (i) crumb.appendChild(doc.createTextNode(' / '));
      const a = doc.createElement('a');
      a.textContent = p[0];
      a.href = '#';
      a.addEventListener('click', (ev) => {
        ev.preventDefault();
        path.length = i + 1;
        draw();
      });
      crumb.appendChild(a);
    });
    crumb.appendChild(doc.createTextNode(`  ${bytes(node[1])} in the output, ${bytes(node[2])} unpacked`));
    const kids = visible(node);
    const rects = squarify(
      kids.map((k) => k[1]),
      0,
      0,
      W,
      H,
    );
    kids.forEach((k, i) => {
      const [x, y, w, h] = rects[i]!;
      const zoomable = visible(k).length > 0;
      const g = el('g', { class: 'cell', 'data-name': k[0], 'data-zoomable': zoomable ? 'yes' : 'no' }, svg);
      const kh = hue ?? hues.get(k) ?? 0;
      el('rect', { x, y, width: w, height: h, fill: `hsl(${kh} 55% ${zoomable ? 72 : 82}%)`, stroke: '#fff', 'stroke-width': 2 }, g);
      el('title', {}, g).textContent = `${k[0]}\n${bytes(k[1])} in the output\n${bytes(k[2])} unpacked${zoomable ? '\n(click to zoom in)' : ''}`;
      if (zoomable && w > 24 && h > 30) {
        const inner = visible(k);
        const r2 = squarify(
          inner.map((c) => c[1]),
          x + 3,
          y + 18,
          w - 6,
          h - 21,
        );
        inner.forEach((_, j) => {
          const [ix, iy, iw, ih] = r2[j]!;
          el(
            'rect',
            { x: ix, y: iy, width: iw, height: ih, fill: `hsl(${kh} 45% 62%)`, stroke: `hsl(${kh} 45% 85%)`, 'stroke-width': 1, 'pointer-events': 'none' },
            g,
          );
        });
      }
      if (w > 44 && h > 14) {
        const t = el('text', { x: x + 4, y: y + 13, 'font-size': 12, 'pointer-events': 'none' }, g);
        const label = `${k[0]} ${bytes(k[1])}`;
        t.textContent = label.length * 6.5 > w - 8 ? `${label.slice(0, Math.max(1, Math.floor((w - 8) / 6.5) - 1))}…` : label;
      }
      if (zoomable) {
        g.style.cursor = 'pointer';
        g.addEventListener('click', () => {
          path.push(k);
          draw();
        });
      }
    });
  }
  draw();
  // For tests: show the components, click the first zoomable one, report what is drawn then.
  if (doc.location.hash === '#selftest') {
    const names = (): string[] => [...svg.querySelectorAll('g.cell')].map((g) => g.getAttribute('data-name') ?? '');
    const shown = names();
    const components = visible(data).map((k) => k[0]);
    const target = svg.querySelector('g.cell[data-zoomable="yes"]');
    const into = target?.getAttribute('data-name') ?? '';
    target?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    const after = names();
    const expected = visible(visible(data).find((k) => k[0] === into) ?? ['', 0, 0]).map((k) => k[0]);
    const pass = components.every((c) => shown.includes(c)) && into !== '' && path.length === 2 && after.join('\n') === expected.join('\n');
    doc.getElementById('selftest')!.textContent = JSON.stringify({ pass, shown, components, zoomedInto: into, crumb: crumb.textContent, after });
  }
}

/** The page's functions, as the source text put into the page. */
export const PAGE_FUNCTIONS = [bytes, worstRatio, squarify, treemapPage];
