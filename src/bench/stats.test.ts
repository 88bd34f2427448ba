// Figures over rounds: median and spread, the merged order of stage lists that differ, an
// image's rows from its rounds, and the timeline's bars (each stage drawn by one bar).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { timelineBars } from './bars.js';
import { bootTimeline } from './stages.js';
import { mergeOrder, spread, stageRows } from './stats.js';

test('spread: median (the middle two averaged for an even count), min and max', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
  assert.deepEqual(spread([7]), { median: 7, min: 7, max: 7, n: 1 });
  assert.equal(spread([]), undefined);
});

test("mergeOrder keeps each list's order and puts new names after their predecessor", () => {
  assert.deepEqual(
    mergeOrder([
      ['a', 'b', 'd'],
      ['a', 'c', 'd', 'e'],
      ['x', 'a'],
    ]),
    ['x', 'a', 'c', 'b', 'd', 'e'],
  );
  assert.deepEqual(mergeOrder([]), []);
});

const boot = (lines: [number, string][]): string => lines.map(([t, w]) => `linuxkit-ts: ${t.toFixed(2)} ${w}`).join('\n');

const ROUND1 = boot([
  [2.0, 'init start'],
  [2.5, 'rc.init mounts done'],
  [3.0, 'onboot 000-dhcpcd start'],
  [4.0, 'onboot 000-dhcpcd done status=0'],
  [4.1, 'init.d 010-onboot done'],
  [5.0, 'service getty started'],
  [5.5, 'service sshd started'],
  [5.6, 'services started'],
]);
const ROUND2 = boot([
  [2.2, 'init start'],
  [2.6, 'rc.init mounts done'],
  [3.2, 'onboot 000-dhcpcd start'],
  [4.4, 'onboot 000-dhcpcd done status=1'],
  [4.5, 'init.d 010-onboot done'],
  [5.3, 'service getty started'],
  [5.9, 'services started'],
]);

test('stageRows: a row per stage over the rounds, a stage missing in a round still in place, failures kept', () => {
  const rows = stageRows([bootTimeline(ROUND1)!, bootTimeline(ROUND2)!]);
  assert.deepEqual(
    rows.map((r) => r.stage),
    [
      'kernel start',
      'init start',
      'rc.init mounts done',
      'onboot 000-dhcpcd start',
      'onboot 000-dhcpcd done',
      'init.d 010-onboot done',
      'service getty started',
      'service sshd started',
      'services started',
    ],
  );
  const init = rows.find((r) => r.stage === 'init start')!;
  assert.deepEqual(init.values, [2.0, 2.2]);
  assert.ok(Math.abs(init.at.median - 2.1) < 1e-9);
  assert.deepEqual(rows.find((r) => r.stage === 'service sshd started')!.at.n, 1);
  assert.deepEqual(rows.find((r) => r.stage === 'onboot 000-dhcpcd done')!.failed, [1]);
});

test('timelineBars: one bar per init stage, per container and the whole boot; every stage drawn once', () => {
  const rows = stageRows([bootTimeline(ROUND1)!]);
  const bars = timelineBars(rows);
  assert.deepEqual(
    bars.map((b) => [b.label, b.kind, b.start, b.end]),
    [
      ['kernel → init start', 'kernel', 0, 2.0],
      ['rc.init mounts done', 'init', 2.0, 2.5],
      ['onboot dhcpcd', 'onboot', 3.0, 4.0],
      ['init.d 010-onboot done', 'init', 4.0, 4.1],
      // Services start together, after the last stage before them.
      ['service getty', 'service', 4.1, 5.0],
      ['service sshd', 'service', 4.1, 5.5],
      ['all services started', 'all', 0, 5.6],
    ],
  );
  assert.deepEqual(bars.flatMap((b) => b.stages).sort(), rows.map((r) => r.stage).sort());
  const two = timelineBars(stageRows([bootTimeline(ROUND1)!, bootTimeline(ROUND2)!]));
  const all = two.find((b) => b.kind === 'all')!;
  assert.deepEqual([all.endMin, all.endMax], [5.6, 5.9]);
});
