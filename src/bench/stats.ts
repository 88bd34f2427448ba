// Figures over rounds: the median and the spread (min–max) of a stage's uptimes, and the rows of
// a report made from several boots whose stage lists may differ (a service that printed no
// line in one round, two images with different containers). Pure.
import type { Stage, StageKind } from './stages.js';

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** How many rounds gave a value. */
  n: number;
}

/** The median (the mean of the middle two for an even count) and the extremes; undefined for no values. */
export function spread(values: number[]): Spread | undefined {
  if (!values.length) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/**
 * One order holding every sequence's names, each sequence's own order kept: a name first seen
 * in a later sequence goes right after the name before it there (or first).
 */
export function mergeOrder(sequences: string[][]): string[] {
  const out: string[] = [];
  for (const seq of sequences) {
    let after = -1;
    for (const name of seq) {
      const at = out.indexOf(name);
      if (at >= 0) {
        after = Math.max(after, at);
        continue;
      }
      out.splice(after + 1, 0, name);
      after += 1;
    }
  }
  return out;
}

/** A stage over every round of one image. */
export interface StageRow {
  stage: string;
  kind: StageKind;
  container?: string;
  /** Uptime (s) per round that reached the stage, in round order. */
  values: number[];
  at: Spread;
  /** Non-zero exit statuses of an onboot container, if any round had one. */
  failed?: number[];
}

/** The rows of one image from its rounds' timelines. */
export function stageRows(timelines: Stage[][]): StageRow[] {
  const byName = new Map<string, { s: Stage; values: number[]; failed: number[] }>();
  for (const tl of timelines) {
    for (const s of tl) {
      const row = byName.get(s.what) ?? { s, values: [], failed: [] };
      byName.set(s.what, row);
      row.values.push(s.t);
      if (s.status) row.failed.push(s.status);
    }
  }
  return mergeOrder(timelines.map((tl) => tl.map((s) => s.what))).map((name) => {
    const { s, values, failed } = byName.get(name)!;
    return {
      stage: name,
      kind: s.kind,
      ...(s.container !== undefined && { container: s.container }),
      values,
      at: spread(values)!,
      ...(failed.length && { failed }),
    };
  });
}
