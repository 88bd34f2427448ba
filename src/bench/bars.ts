// The timeline as bars, from an image's stage rows (medians over rounds): what the SVG chart
// draws and --json lists. One bar per stage of the init (from the stage before it to its own),
// one per onboot container (its start to its end), one per service (from where the services
// begin, in parallel, to its "started"), and the whole boot (kernel start to "services
// started"). Each stage row is drawn by exactly one bar (`stages`). Pure.
import { KERNEL_START, type StageKind } from './stages.js';
import type { StageRow } from './stats.js';

export interface Bar {
  label: string;
  kind: Exclude<StageKind, 'onboot-start' | 'onboot-done'> | 'onboot';
  /** Median uptimes (s) where the bar begins and ends. */
  start: number;
  end: number;
  /** The spread of its end over the rounds. */
  endMin: number;
  endMax: number;
  /** The stage rows it stands for. */
  stages: string[];
}

export function timelineBars(rows: StageRow[]): Bar[] {
  const bars: Bar[] = [];
  let prev = 0;
  /** Where the services begin: the last stage before the first service's line. */
  let beforeServices = 0;
  const starts = new Map<string, StageRow>();
  const bar = (label: string, kind: Bar['kind'], start: number, end: StageRow, stages: string[]): void => {
    bars.push({ label, kind, start, end: end.at.median, endMin: end.at.min, endMax: end.at.max, stages });
  };
  for (const r of rows) {
    switch (r.kind) {
      case 'kernel':
        break;
      case 'onboot-start':
        starts.set(r.container ?? r.stage, r);
        break;
      case 'onboot-done': {
        const s = starts.get(r.container ?? r.stage);
        bar(`onboot ${r.container}`, 'onboot', s?.at.median ?? prev, r, [...(s ? [s.stage] : []), r.stage]);
        break;
      }
      case 'service':
        bar(`service ${r.container}`, 'service', beforeServices, r, [r.stage]);
        break;
      case 'all':
        bar('all services started', 'all', 0, r, [r.stage]);
        break;
      case 'init': {
        const first = bars.length === 0 && rows[0]?.stage === KERNEL_START;
        bar(first ? `kernel → ${r.stage}` : r.stage, first ? 'kernel' : 'init', prev, r, [...(first ? [KERNEL_START] : []), r.stage]);
        break;
      }
    }
    if (r.kind !== 'service') {
      prev = r.at.median;
      if (r.kind !== 'all') beforeServices = prev;
    }
  }
  return bars;
}
