// A byte-count progress bar for pulls and pushes, and a "waiting for the registry" line while a
// request gets no answer: on an interactive terminal only (showProgress), else nothing at all.
import { Presets, SingleBar } from 'cli-progress';
import { pauseStatusLine, showProgress } from '../util/index.js';
import { seconds } from './registry/transport.js';

export interface ByteProgress {
  add(bytes: number): void;
  stop(): void;
}

const QUIET: ByteProgress = { add: () => {}, stop: () => {} };

/** Byte bars showing: a waiting line would fight their redraws (and they already show a stall). */
let barsShown = 0;

export function byteProgress(label: string, total: number): ByteProgress {
  if (!showProgress() || total <= 0) return QUIET;
  barsShown++;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% {value}/{total} MiB`,
      hideCursor: true,
      formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? (v / 2 ** 20).toFixed(1) : String(v)),
    },
    Presets.shades_classic,
  );
  const resume = pauseStatusLine();
  bar.start(total, 0);
  return {
    add: (n) => bar.increment(n),
    stop: () => {
      bar.stop();
      barsShown--;
      resume();
    },
  };
}

/** Requests waiting for an answer, oldest first; the line shows the oldest. */
const waits: Array<{ label: string; since: number; limitMs: number }> = [];
let waitTimer: NodeJS.Timeout | undefined;
let waitResume: (() => void) | undefined;
/** Silence shorter than this is normal (a slow token service) and not worth a line. */
const WAIT_LINE_AFTER_MS = 1000;
const WAIT_REDRAW_MS = 500;

function drawWait(): void {
  const w = waits[0];
  if (!w || barsShown > 0 || Date.now() - w.since < WAIT_LINE_AFTER_MS) return;
  waitResume ??= pauseStatusLine();
  const secs = Math.floor((Date.now() - w.since) / 1000);
  // The wait spans retries; the limit is per attempt.
  process.stderr.write(`\r\x1b[K${w.label}: no answer for ${secs} s (an attempt gives up after ${seconds(w.limitMs)} of silence)`);
}

/**
 * Shows "LABEL: no answer for N s" while a request waits (after the first second), until the
 * returned function is called. Several waits at once show one line.
 */
export function waitingFor(label: string, limitMs: number): () => void {
  if (!showProgress()) return () => {};
  const w = { label, since: Date.now(), limitMs };
  waits.push(w);
  waitTimer ??= setInterval(drawWait, WAIT_REDRAW_MS).unref();
  return () => {
    const i = waits.indexOf(w);
    if (i < 0) return;
    waits.splice(i, 1);
    if (waits.length) return;
    clearInterval(waitTimer);
    waitTimer = undefined;
    if (waitResume) {
      process.stderr.write('\r\x1b[K');
      waitResume();
      waitResume = undefined;
    }
  };
}
