import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ifExists, ifExistsSync, isMissing, pathExists } from './missing.js';
import { statSync } from 'node:fs';

describe('existence checks', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lk-missing-'));
    await writeFile(join(dir, 'file'), 'x');
    await symlink('loop', join(dir, 'loop'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a missing path (ENOENT) or a path under a file (ENOTDIR) is "nothing there"', async () => {
    assert.equal(await ifExists(stat(join(dir, 'nothing'))), undefined);
    assert.equal(await ifExists(stat(join(dir, 'file', 'below'))), undefined);
    assert.equal(
      ifExistsSync(() => statSync(join(dir, 'nothing'))),
      undefined,
    );
    assert.equal(await pathExists(join(dir, 'nothing')), false);
    assert.equal(await pathExists(join(dir, 'file')), true);
    assert.equal((await ifExists(stat(join(dir, 'file'))))?.size, 1);
  });

  it('any other error reaches the caller', async () => {
    await assert.rejects(ifExists(readFile(dir)), { code: 'EISDIR' });
    await assert.rejects(pathExists(join(dir, 'loop')), { code: 'ELOOP' });
    assert.throws(() => ifExistsSync(() => statSync(join(dir, 'loop'))), { code: 'ELOOP' });
    assert.equal(isMissing(new Error('no code')), false);
  });
});
