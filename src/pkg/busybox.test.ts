// build.yml's busybox-links: the applet list comes from running the image's own busybox.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../util/index.js';
import { parseBuildYml } from './buildyml.js';
import { addAppletLinks, listApplets, parseAppletList } from './busybox.js';
import { Rootfs } from './rootfs.js';

const HOST_BUSYBOX = '/bin/busybox'; // busybox-static, from scripts/host-packages.txt
const tmp = mkdtempSync(join(tmpdir(), 'busybox-links-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('busybox-links', () => {
  it('is parsed from build.yml, with its position', () => {
    const y = parseBuildYml('image: bb\ndebian:\n  packages: [busybox-static]\nbusybox-links: /bin/busybox\n', 'b.yml');
    assert.equal(y.busyboxLinks, '/bin/busybox');
    assert.deepEqual(y.positions['busybox-links'], { file: 'b.yml', line: 4, col: 1 });
    assert.throws(() => parseBuildYml('image: bb\nbusybox-links: [a]\n', 'b.yml'), /busybox-links must be a string/);
  });

  it('parses --list-full output and rejects odd paths', () => {
    assert.deepEqual(parseAppletList('usr/bin/[\nsbin/init\n\nbin/sh\n', 'x'), ['usr/bin/[', 'sbin/init', 'bin/sh']);
    assert.throws(() => parseAppletList('../etc/passwd\n', 'x'), UserError);
    assert.throws(() => parseAppletList('bin/a b\n', 'x'), /unexpected applet path/);
    assert.throws(() => parseAppletList('\n', 'x'), /empty/);
  });

  it('links every applet of the real binary to it, keeping files already there', () => {
    const fs = new Rootfs();
    try {
      fs.addFile('bin/busybox', HOST_BUSYBOX, 0o755);
      const mine = join(tmp, 'sh');
      writeFileSync(mine, '#!/bin/busybox sh\n');
      fs.addFile('bin/sh', mine, 0o755); // e.g. from copy: — must not be replaced
      const applets = listApplets(fs, '/bin/busybox', 'amd64', 'amd64');
      assert.ok(applets.length > 100, `only ${applets.length} applets`);
      assert.ok(applets.includes('sbin/init') && applets.includes('bin/sh'));
      const added = addAppletLinks(fs, '/bin/busybox', applets);
      assert.equal(added, applets.length - 2, 'all but bin/sh and bin/busybox itself (listed too)');
      assert.deepEqual(fs.entries.get('sbin/init'), { path: 'sbin/init', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: '/bin/busybox' });
      assert.equal(fs.entries.get('bin/sh')?.type, 'file');
      assert.equal(fs.entries.get('bin/busybox')?.type, 'file', 'the binary itself stays a file');
    } finally {
      fs.dispose();
    }
  });

  it('refuses another architecture than the host, and a missing binary, clearly', () => {
    const fs = new Rootfs();
    try {
      assert.throws(() => listApplets(fs, '/bin/busybox', 'arm64', 'amd64', { file: 'build.yml', line: 5, col: 1 }), (e: unknown) => {
        assert.ok(e instanceof UserError);
        assert.match(e.message, /for arm64: .*only works for the host's architecture \(amd64\)/);
        assert.equal(e.pos?.line, 5);
        return true;
      });
      assert.throws(() => listApplets(fs, '/bin/busybox', 'amd64', 'amd64'), /\/bin\/busybox is not a file in the image/);
      assert.ok(existsSync(HOST_BUSYBOX));
    } finally {
      fs.dispose();
    }
  });
});
