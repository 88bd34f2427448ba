// `linuxkit bench --svg FILE`: the boot timeline as a chart a person reads at a glance. One panel
// per image, on one time axis so the panels compare: a bar per stage of the init, per onboot
// container and per service (bars.ts), the whole boot last, each with its median end written
// beside it and a whisker over its spread; the floor as a dashed line. Self-contained: no
// script, no external font or style (the generic sans-serif family).
import type { Bar } from './bars.js';
import type { BenchReport } from './types.js';

const WIDTH = 980;
const LABEL_W = 250;
const PLOT_X = LABEL_W + 10;
const PLOT_W = WIDTH - PLOT_X - 70;
const ROW = 20;
const BAR_H = 13;

export const BAR_COLOURS: Record<Bar['kind'], string> = {
  kernel: '#8a96a8',
  init: '#4a78b5',
  onboot: '#e08a2c',
  service: '#3a9a5b',
  all: '#3b3b48',
};
const LEGEND: [Bar['kind'], string][] = [
  ['kernel', 'kernel, to the init'],
  ['init', 'init stage (from the stage before)'],
  ['onboot', 'onboot container (start to end)'],
  ['service', 'service (services start together)'],
  ['all', 'whole boot'],
];

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const f2 = (x: number): string => x.toFixed(2);
const px = (x: number): string => x.toFixed(1);

/** A round step for about 8 ticks over [0, max]: 1, 2 or 5 × a power of ten. */
export function tickStep(max: number): number {
  const raw = Math.max(max, 1e-3) / 8;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
}

export function svgTimeline(r: BenchReport): string {
  const max = Math.max(0.1, ...r.images.flatMap((img) => img.bars.map((b) => b.endMax)), ...r.floors.map((f) => f.at?.max ?? 0));
  const step = tickStep(max);
  const end = Math.ceil(max / step) * step;
  const x = (t: number): number => PLOT_X + (t / end) * PLOT_W;
  const out: string[] = [];
  let y = 16;
  out.push(
    `<text x="10" y="${y + 4}" font-size="15" font-weight="bold">linuxkit bench: boot timeline (guest uptime, s; medians of ${r.runs} round${r.runs === 1 ? '' : 's'}, whiskers min–max)</text>`,
  );
  y += 24;
  let lx = 10;
  for (const [kind, text] of LEGEND) {
    out.push(
      `<rect x="${lx}" y="${y - 10}" width="12" height="12" fill="${BAR_COLOURS[kind]}"/><text x="${lx + 16}" y="${y}" font-size="11">${esc(text)}</text>`,
    );
    lx += 16 + text.length * 5.6 + 18;
  }
  y += 14;
  for (const img of r.images) {
    y += 18;
    const mem = img.memory ? `, ${img.memory.usedMiB.median.toFixed(1)} MiB in use (-m ${r.memMiB})` : '';
    out.push(`<text x="10" y="${y}" font-size="13" font-weight="bold">${esc(img.label)}</text>`);
    out.push(
      `<text x="10" y="${y + 15}" font-size="11" fill="#555">${(img.size.total / 1e6).toFixed(2)} MB kernel + initrd${esc(mem)}${img.floorRatio ? `, ${f2(img.floorRatio)} × the floor` : ''}</text>`,
    );
    y += 24;
    const top = y;
    const bottom = top + img.bars.length * ROW;
    for (let t = 0; t <= end + 1e-9; t += step) {
      out.push(`<line x1="${px(x(t))}" y1="${top}" x2="${px(x(t))}" y2="${bottom}" stroke="#e4e4e4"/>`);
      out.push(`<text x="${px(x(t))}" y="${bottom + 12}" font-size="10" fill="#666" text-anchor="middle">${+t.toFixed(6)}</text>`);
    }
    for (const [i, b] of img.bars.entries()) out.push(...barSvg(b, top + i * ROW, x));
    const floor = img.floor === undefined ? undefined : r.floors[img.floor];
    if (floor?.at) {
      const fx = px(x(floor.at.median));
      out.push(`<line x1="${fx}" y1="${top - 4}" x2="${fx}" y2="${bottom}" stroke="#c0392b" stroke-dasharray="4 3"/>`);
      out.push(`<text x="${fx}" y="${top - 6}" font-size="10" fill="#c0392b" text-anchor="middle">${esc(floor.label)} ${f2(floor.at.median)}</text>`);
    }
    y = bottom + 22;
  }
  const height = Math.ceil(y + 8);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
${out.join('\n')}
</svg>
`;
}

function barSvg(b: Bar, top: number, x: (t: number) => number): string[] {
  const mid = top + ROW / 2;
  const x0 = x(b.start);
  const w = Math.max(1, x(b.end) - x0);
  const tip = `${b.label}: ${f2(b.start)} → ${f2(b.end)} s (${f2(b.end - b.start)} s; end ${f2(b.endMin)}–${f2(b.endMax)})`;
  const lines = [
    `<text x="${LABEL_W}" y="${mid + 4}" text-anchor="end">${esc(b.label)}</text>`,
    `<rect class="bar" data-stage="${esc(b.label)}" data-kind="${b.kind}" x="${px(x0)}" y="${px(mid - BAR_H / 2)}" width="${px(w)}" height="${BAR_H}" fill="${BAR_COLOURS[b.kind]}"><title>${esc(tip)}</title></rect>`,
  ];
  if (b.endMax > b.endMin) {
    const [a, c] = [px(x(b.endMin)), px(x(b.endMax))];
    lines.push(`<path d="M${a} ${mid}H${c}M${a} ${mid - 4}V${mid + 4}M${c} ${mid - 4}V${mid + 4}" stroke="#222" fill="none"/>`);
  }
  lines.push(`<text x="${px(Math.max(x(b.end), x(b.endMax)) + 5)}" y="${mid + 4}" font-size="11" fill="#333">${f2(b.end)}</text>`);
  return lines;
}
