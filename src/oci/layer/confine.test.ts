// Confinement: entries placed inside an image's root whatever its symlinks say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Confinement, isRefused, type Placed } from './confine.js';
import type { EntryType } from '../../tar/index.js';

type Step = [path: string, type: EntryType, linkname?: string];

/** Places each entry in order; returns where the last one went (or why it was refused). */
function placeAll(steps: Step[]): Placed | string {
  const c = new Confinement();
  let last: Placed | string = '';
  for (const [path, type, linkname] of steps) {
    const p = c.place(path, type, linkname);
    last = isRefused(p) ? p.refused : p;
  }
  return last;
}

test('a path under a climbing symlink is placed at the root it climbs to, and flagged', () => {
  assert.deepEqual(
    placeAll([
      ['up', 'symlink', '../../../..'],
      ['up/init', 'file'],
    ]),
    { path: 'init', escaped: true },
  );
  assert.deepEqual(
    placeAll([
      ['a/b', 'symlink', '../../../x'],
      ['a/b/init', 'file'],
    ]),
    { path: 'x/init', escaped: true },
  );
});

test('absolute symlinks start at the image root', () => {
  assert.deepEqual(
    placeAll([
      ['lib', 'symlink', '/usr/lib'],
      ['lib/x.so', 'file'],
    ]),
    { path: 'usr/lib/x.so', escaped: true },
  );
  assert.deepEqual(
    placeAll([
      ['r', 'symlink', '/'],
      ['r/etc/passwd', 'file'],
    ]),
    { path: 'etc/passwd', escaped: true },
  );
});

test('relative symlinks that stay inside are followed without a flag', () => {
  assert.deepEqual(
    placeAll([
      ['bin', 'symlink', 'usr/bin'],
      ['bin/sh', 'file'],
    ]),
    { path: 'usr/bin/sh', escaped: false },
  );
});

test('chains of symlinks are followed to the end', () => {
  const steps: Step[] = [
    ['a', 'symlink', 'b'],
    ['b', 'symlink', 'c/../d'],
    ['d', 'symlink', '../../../e'],
    ['a/f', 'file'],
  ];
  assert.deepEqual(placeAll(steps), { path: 'e/f', escaped: true });
});

test('a loop of symlinks leaves the entry out', () => {
  assert.match(
    String(
      placeAll([
        ['a', 'symlink', 'b'],
        ['b', 'symlink', 'a'],
        ['a/x', 'file'],
      ]),
    ),
    /loop/,
  );
  assert.match(
    String(
      placeAll([
        ['a', 'symlink', 'a/..//a'],
        ['a/x', 'file'],
      ]),
    ),
    /loop/,
  );
});

test('the last component is never followed', () => {
  assert.deepEqual(
    placeAll([
      ['up', 'symlink', '/'],
      ['up', 'file'],
    ]),
    { path: 'up', escaped: false },
  );
});

test('a symlink replaced by a directory is no longer followed', () => {
  assert.deepEqual(
    placeAll([
      ['up', 'symlink', '/'],
      ['up', 'directory'],
      ['up/init', 'file'],
    ]),
    { path: 'up/init', escaped: false },
  );
});

test('a directory replaced by a symlink is followed from then on', () => {
  const steps: Step[] = [
    ['d', 'directory'],
    ['d/x', 'file'],
    ['d', 'symlink', '../..'],
    ['d/init', 'file'],
  ];
  assert.deepEqual(placeAll(steps), { path: 'init', escaped: true });
});

test('hard links: the target is resolved too and must be a non-directory written before', () => {
  assert.deepEqual(
    placeAll([
      ['etc/passwd', 'file'],
      ['up', 'symlink', '../../..'],
      ['h', 'link', 'up/etc/passwd'],
    ]),
    {
      path: 'h',
      linkname: 'etc/passwd',
      escaped: true,
    },
  );
  assert.match(
    String(
      placeAll([
        ['up', 'symlink', '../../..'],
        ['h', 'link', 'up/init'],
      ]),
    ),
    /not a file written before/,
  );
  assert.match(
    String(
      placeAll([
        ['d', 'directory'],
        ['h', 'link', 'd'],
      ]),
    ),
    /not a file written before/,
  );
});

test('long names and deep trees resolve the same', () => {
  const deep = Array.from({ length: 60 }, (_, i) => `d${i}`.padEnd(200, 'x')).join('/');
  assert.deepEqual(
    placeAll([
      [deep, 'symlink', '/'],
      [`${deep}/init`, 'file'],
    ]),
    { path: 'init', escaped: true },
  );
});
