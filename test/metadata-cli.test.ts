// `linuxkit metadata create`: the ISO is read back with isoinfo (genisoimage), a real ISO 9660 reader.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from './helpers.js';

const isoinfo = (...args: string[]) => execFileSync('isoinfo', args, { encoding: 'utf8' });

describe('linuxkit metadata create', () => {
  let dir = '';
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes DATA to /config of an ISO 9660 image', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lk-metadata-'));
    const iso = join(dir, 'meta.iso');
    // More than one sector, non-ASCII, and over a larger old file (which must not leave a tail).
    const data = JSON.stringify({ hostname: 'héllo', ssh: { keys: 'k'.repeat(3000) } });
    await writeFile(iso, Buffer.alloc(1 << 20, 0xff));
    const r = runCli(['metadata', 'create', iso, data]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(isoinfo('-i', iso, '-x', '/CONFIG.;1'), data);
    assert.match(isoinfo('-d', '-i', iso), /Volume id: CONFIG/);
    assert.match(isoinfo('-l', '-i', iso), /CONFIG\.;1/);
    const { size } = await stat(iso);
    assert.equal(size, (21 + 2) * 2048, 'system area, descriptors, path tables, root, two data sectors');
  });

  it('takes exactly two arguments', () => {
    const r = runCli(['metadata', 'create', join(dir, 'x.iso')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /missing required argument 'data'/);
  });
});
