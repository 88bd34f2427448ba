// The treemap's layout: every value gets a rectangle inside the box, areas in proportion, no overlap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytes, squarify } from './page-script.js';

test('squarify fills the box with rectangles in proportion to the values, without overlap', () => {
  const values = [500, 300, 120, 50, 20, 7, 2, 1];
  const rects = squarify(values, 10, 20, 300, 200);
  assert.equal(rects.length, values.length);
  const total = values.reduce((a, b) => a + b, 0);
  let area = 0;
  rects.forEach(([x, y, w, h], i) => {
    assert.ok(x >= 10 - 1e-9 && y >= 20 - 1e-9 && x + w <= 310 + 1e-6 && y + h <= 220 + 1e-6, `rect ${i} inside`);
    assert.ok(Math.abs((w * h) / (300 * 200) - values[i]! / total) < 1e-9, `rect ${i} in proportion`);
    area += w * h;
    for (const [x2, y2, w2, h2] of rects.slice(i + 1)) {
      const overlap = Math.max(0, Math.min(x + w, x2 + w2) - Math.max(x, x2)) * Math.max(0, Math.min(y + h, y2 + h2) - Math.max(y, y2));
      assert.ok(overlap < 1e-6, 'no overlap');
    }
  });
  assert.ok(Math.abs(area - 300 * 200) < 1e-6);
  // Squarified: the largest value's rectangle is not a sliver.
  const [, , w0, h0] = rects[0]!;
  assert.ok(Math.max(w0 / h0, h0 / w0) < 3);
});

test('sizes for people', () => {
  assert.deepEqual([bytes(999), bytes(1500), bytes(14_200_000), bytes(2_500_000_000)], ['999 B', '1.5 kB', '14.2 MB', '2.50 GB']);
});
