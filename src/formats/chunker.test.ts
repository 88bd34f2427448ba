import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchWindow } from './chunker.js';

test('PatchWindow: fixed-size chunks in order, patches inside the window only', async () => {
  const got: Buffer[] = [];
  const w = new PatchWindow({ write: async (c) => void got.push(Buffer.from(c)) }, 4, 8);
  const input = Buffer.from('abcdefghijklmnopqrstuvwxyz');
  for (let i = 0; i < input.length; i += 3) await w.write(input.subarray(i, i + 3));
  // 26 bytes written, window 8: chunks before offset 18 may be gone, the last 8 bytes are patchable.
  assert.equal(w.patch(0, Buffer.from('X')), false, 'the first chunk has been passed on');
  assert.equal(w.patch(19, Buffer.from('SU')), true, 'inside the window, across a chunk boundary');
  assert.equal(w.patch(25, Buffer.from('ZZ')), false, 'past the end');
  await w.end();
  assert.deepEqual(
    got.map((c) => c.length),
    [4, 4, 4, 4, 4, 4, 2],
  );
  assert.equal(Buffer.concat(got).toString(), 'abcdefghijklmnopqrsSUvwxyz');
});
