// `linuxkit bench`'s text table (images side by side, a row per stage) and JSON.
import { textTable } from '../util/index.js';
import { KERNEL_START } from './stages.js';
import { mergeOrder, spread, type Spread } from './stats.js';
import type { BenchReport } from './types.js';

/** "5.20 (5.01–5.60)": the median and, over several rounds, the spread. */
export function showSpread(s: Spread | undefined, digits = 2): string {
  if (!s) return '–';
  const f = (x: number) => x.toFixed(digits);
  return s.n > 1 && s.max > s.min ? `${f(s.median)} (${f(s.min)}–${f(s.max)})` : f(s.median);
}

const mb = (n: number): string => (n / 1e6).toFixed(2);
/** The stage where the floor's /init runs, as an image's init does at "init start". */
const FLOOR_ROW = 'init start';

export function textReport(r: BenchReport): string {
  const head = [
    `linuxkit bench: ${r.runs} round${r.runs === 1 ? '' : 's'} (interleaved), -m ${r.memMiB}, ${r.cpus} vCPU${r.cpus === 1 ? '' : 's'}, qemu accel ${r.accel || '–'}, load average ${r.loadAverage.join(' ')} at the start`,
    `guest uptime (s) at each stage: median${r.runs > 1 ? ' (min–max over the rounds)' : ''}`,
    '',
  ];
  const order = mergeOrder([...r.images.map((img) => img.stages.map((s) => s.stage)), ...(r.floors.length ? [[KERNEL_START, FLOOR_ROW]] : [])]);
  const rows: string[][] = [['stage', ...r.images.map((img) => img.label), ...r.floors.map((f) => f.label)]];
  for (const stage of order) {
    rows.push([
      stage,
      ...r.images.map((img) => showSpread(img.stages.find((s) => s.stage === stage)?.at)),
      ...r.floors.map((f) => (stage === KERNEL_START ? '0.00' : stage === FLOOR_ROW ? showSpread(f.at) : '')),
    ]);
  }
  const blank = r.floors.map(() => '');
  if (r.floors.length) rows.push(['services started ÷ floor', ...r.images.map((img) => (img.floorRatio ? `${img.floorRatio.toFixed(2)} ×` : '–')), ...blank]);
  rows.push([
    `memory in use, MiB (-m ${r.memMiB})`,
    ...r.images.map((img) => (img.memory ? `${showSpread(img.memory.usedMiB, 1)} of ${img.memory.totalMiB.median.toFixed(1)}` : '–')),
    ...blank,
  ]);
  rows.push(['size, MB (kernel + initrd)', ...r.images.map((img) => `${mb(img.size.total)} = ${mb(img.size.kernel)} + ${mb(img.size.initrd)}`), ...blank]);
  const wall = (rounds: { wall: number }[]) => showSpread(spread(rounds.map((x) => x.wall)), 1);
  rows.push(['qemu wall time, s', ...r.images.map((img) => wall(img.rounds)), ...r.floors.map((f) => wall(f.rounds))]);
  const lines = [...head, ...textTable(rows, rows[0]!.map((_, i) => i).slice(1))];
  if (r.failures.length) lines.push('', `${r.failures.length} boot${r.failures.length === 1 ? '' : 's'} did not finish:`, ...r.failures.map((f) => `  ${f}`));
  return `${lines.join('\n')}\n`;
}

export function jsonReport(r: BenchReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
