// The package rootfs tree: its paths in the one normal form of src/tar, and nothing outside it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../util/index.js';
import { Rootfs } from './rootfs.js';

describe('Rootfs paths', () => {
  it('keeps paths in normal form, with their parents', () => {
    const fs = new Rootfs();
    try {
      fs.addSymlink('/./usr//bin/../sbin/x/', 'y');
      assert.deepEqual(
        fs.sorted().map((e) => `${e.path} ${e.type}`),
        ['usr directory', 'usr/sbin directory', 'usr/sbin/x symlink'],
      );
    } finally {
      fs.dispose();
    }
  });

  it('refuses a path that climbs out of the root', () => {
    const fs = new Rootfs();
    try {
      assert.throws(() => fs.addSymlink('a/../../etc/x', 'y'), (err: unknown) => err instanceof UserError && /"a\/\.\.\/\.\.\/etc\/x" points outside the root/.test(err.message));
      assert.equal(fs.entries.size, 0);
    } finally {
      fs.dispose();
    }
  });
});
