// Hostile images against `cache export --format filesystem` into a directory (issue 12, items 1
// and 4): crafted layers whose later entries turn an unpacked directory, or one of its parents,
// into a symlink to a host path, and images whose entries land on directories that were already
// in the export directory. Checked on the real file system: nothing outside the export directory
// may change (mode, owner, time, xattrs, contents), and nothing the image did not make is removed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { LayoutStore } from '../src/oci/cache/store.js';
import { extractToDirectory } from '../src/oci/layer/extract.js';
import { flattenLayers, type LayerSource } from '../src/oci/layer/flatten.js';
import { UserError } from '../src/util/errors.js';
import { runCli } from './helpers.js';
import { makeTar, putImage, tempDir, type TarSpec } from '../src/oci/testing.js';

const isRoot = process.getuid?.() === 0;
const hasAttr = spawnSync('getfattr', ['--version'], { stdio: 'ignore' }).status === 0;
const OLD = new Date('2001-02-03T04:05:06Z');
const EVIL = { mode: 0o7777, uid: 4242, gid: 4242, mtime: new Date('2030-01-01T00:00:00Z') };

const layer = (name: string, data: Buffer): LayerSource => ({ name, open: () => Readable.from([data]) });

/** A host tree outside the export directory: a "binary" and a directory with a subdirectory. */
async function hostTree(base: string): Promise<{ dir: string; tool: string; sub: string; snapshot: () => Promise<string[]> }> {
  const dir = join(base, 'host');
  const tool = join(dir, 'tool');
  const sub = join(dir, 'sub');
  await mkdir(sub, { recursive: true });
  await writeFile(tool, 'host binary');
  await chmod(tool, 0o755);
  await chmod(sub, 0o755);
  for (const p of [tool, sub, dir]) await utimes(p, OLD, OLD);
  // Everything an attacker could change: names, types, modes, owners, times, contents, xattrs.
  const snapshot = async () => {
    const out: string[] = [];
    for (const p of [dir, sub, tool, ...(await readdir(dir)).map((n) => join(dir, n)), ...(await readdir(sub)).map((n) => join(sub, n))]) {
      const st = await lstat(p);
      const attrs = hasAttr ? spawnSync('getfattr', ['-h', '-d', '-m', '-', p], { encoding: 'utf8' }).stdout : '';
      out.push(`${p} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.mtime.toISOString()} ${st.isFile() ? await readFile(p, 'utf8') : ''} ${attrs}`);
    }
    return [...new Set(out)].sort();
  };
  return { dir, tool, sub, snapshot };
}

test('export: directory modes, owners, times and xattrs never reach a host path through a later symlink', async (t) => {
  const base = await tempDir(t, 'lkts-sec-export-');
  const host = await hostTree(base);
  const before = await host.snapshot();
  const xattr = { 'SCHILY.xattr.user.evil': 'yes' };
  const dir = (name: string, extra: Partial<TarSpec> = {}): TarSpec => ({ name, type: 'directory', ...EVIL, ...extra });
  const variants: Array<[string, Buffer[]]> = [
    // The directory itself replaced by a symlink to a host file (absolute target).
    ['symlink at the path itself', [await makeTar([dir('d', { pax: xattr }), { name: 'd', type: 'symlink', linkname: host.tool }])]],
    // …to a host directory, through a chain of relative symlinks that climb out of the root.
    [
      'relative symlink chain',
      [
        await makeTar([
          dir('d'),
          { name: 'l1', type: 'symlink', linkname: '../host/sub' },
          { name: 'l2', type: 'symlink', linkname: 'l1' },
          { name: 'd', type: 'symlink', linkname: 'l2' },
        ]),
      ],
    ],
    // A parent of the directory replaced by a symlink: p/sub would then be the host's sub.
    ['parent becomes a symlink', [await makeTar([dir('p'), dir('p/sub', { pax: xattr }), { name: 'p', type: 'symlink', linkname: host.dir }])]],
    [
      'grandparent becomes a symlink chain',
      [await makeTar([dir('a/host/sub'), { name: 'q', type: 'symlink', linkname: base }, { name: 'a', type: 'symlink', linkname: 'q' }])],
    ],
    // The same over two layers: the lower layer's directories, the upper one's symlinks.
    ['parent replaced in a later layer', [await makeTar([dir('p'), dir('p/sub')]), await makeTar([{ name: 'p', type: 'symlink', linkname: host.dir }])]],
    // A whiteout removes the directory a symlink points at, and a symlink to the host takes its place.
    [
      'whiteout removes a symlink target',
      [
        await makeTar([dir('t'), dir('t/sub'), { name: 'd', type: 'symlink', linkname: 't' }]),
        await makeTar([{ name: '.wh.t', content: '' }, { name: 't', type: 'symlink', linkname: host.dir }, dir('d/sub')]),
      ],
    ],
    // A long (PAX) name for the directory, then a symlink over it.
    ['long names', [await makeTar([dir('n'.repeat(200)), dir(`${'n'.repeat(200)}/sub`), { name: 'n'.repeat(200), type: 'symlink', linkname: host.dir }])]],
    // A hard link to a symlink that points out, and a device node: made inside the root only.
    [
      'hard links and device nodes',
      [
        await makeTar([
          dir('d'),
          { name: 'sl', type: 'symlink', linkname: host.tool },
          { name: 'd', type: 'link', linkname: 'sl', ...EVIL },
          { name: 'mem', type: 'character-device', devmajor: 1, devminor: 1, mode: 0o666 },
        ]),
      ],
    ],
  ];
  for (const [name, layers] of variants) {
    const root = join(base, 'root');
    await extractToDirectory(flattenLayers(layers.map((l, i) => layer(`${name} ${i}`, l))), root, { chown: isRoot });
    assert.deepEqual(await host.snapshot(), before, `${name}: the host tree changed`);
    assert.deepEqual((await readdir(base)).sort(), ['host', 'root'], `${name}: something was written beside the root`);
    spawnSync('rm', ['-rf', root]);
  }
  // The directories that stay directories still get the image's metadata.
  const root = join(base, 'root');
  await extractToDirectory(flattenLayers([layer('ok', await makeTar([dir('keep', { pax: xattr })]))]), root, { chown: isRoot });
  const kept = await stat(join(root, 'keep'));
  assert.equal(kept.mode & 0o7777, 0o7777);
  assert.equal(kept.mtime.toISOString(), EVIL.mtime.toISOString());
  if (isRoot) assert.equal(kept.uid, 4242);
  if (hasAttr) assert.match(spawnSync('getfattr', ['-d', join(root, 'keep')], { encoding: 'utf8' }).stdout, /user\.evil="yes"/);
});

test('export into a non-empty directory: what was there is never removed, a directory in the way is refused', async (t) => {
  const base = await tempDir(t, 'lkts-sec-export-');
  const root = join(base, 'out');
  await mkdir(join(root, 'data/deep'), { recursive: true });
  await writeFile(join(root, 'data/deep/precious'), 'user data');
  await mkdir(join(root, 'empty'));
  await writeFile(join(root, 'notes'), 'old notes');
  const unpack = async (entries: TarSpec[]) => extractToDirectory(flattenLayers([layer('img', await makeTar(entries))]), root);

  for (const entry of [
    { name: 'data', content: 'a file' },
    { name: 'data', type: 'symlink', linkname: '/etc' },
    { name: 'data/deep', type: 'symlink', linkname: '.' },
    { name: 'empty', type: 'fifo' },
    { name: 'data', type: 'link', linkname: 'x' },
  ] as TarSpec[]) {
    const entries = entry.type === 'link' ? [{ name: 'x', content: 'x' }, entry] : [entry];
    await assert.rejects(
      unpack(entries),
      (e: Error) => e instanceof UserError && /already a directory .* not made by this export; not replacing it/.test(e.message),
      `${entry.name} as ${entry.type ?? 'file'}`,
    );
    assert.equal(await readFile(join(root, 'data/deep/precious'), 'utf8'), 'user data');
    assert.ok((await lstat(join(root, 'empty'))).isDirectory());
  }
  // Directories the image itself made may be replaced by its later entries, with what it put in them.
  await unpack([
    { name: 'img', type: 'directory' },
    { name: 'img/f', content: 'f' },
    { name: 'img', content: 'now a file' },
  ]);
  assert.equal(await readFile(join(root, 'img'), 'utf8'), 'now a file');
  // Existing directories are merged into, existing files replaced (as tar does).
  await unpack([
    { name: 'data', type: 'directory', mode: 0o750 },
    { name: 'data/new', content: 'n' },
    { name: 'notes', content: 'new notes' },
  ]);
  assert.equal(await readFile(join(root, 'data/deep/precious'), 'utf8'), 'user data');
  assert.equal(await readFile(join(root, 'data/new'), 'utf8'), 'n');
  assert.equal(await readFile(join(root, 'notes'), 'utf8'), 'new notes');
  assert.equal((await stat(join(root, 'data'))).mode & 0o777, 0o750);
});

test('cache export --format filesystem: a crafted image changes nothing outside the directory (CLI)', async (t) => {
  const base = await tempDir(t, 'lkts-sec-export-');
  const host = await hostTree(base);
  const before = await host.snapshot();
  const cache = join(base, 'cache');
  const store = await LayoutStore.open(cache);
  const evil = await makeTar([
    { name: 'd', type: 'directory', ...EVIL },
    { name: 'd', type: 'symlink', linkname: host.tool },
    { name: 'p', type: 'directory' },
    { name: 'p/sub', type: 'directory', ...EVIL },
    { name: 'p', type: 'symlink', linkname: host.dir },
  ]);
  await store.tag('docker.io/evil/image:1', await putImage(store, [evil]));
  const out = join(base, 'out') + '/';
  const r = runCli(['--cache', cache, 'cache', 'export', 'evil/image:1', '--platform', 'linux/amd64', '--format', 'filesystem', '--outfile', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(await host.snapshot(), before);
  assert.ok((await lstat(join(out, 'd'))).isSymbolicLink());
  // Into a directory that holds a directory where the image has a file: refused, user data kept.
  await store.tag('docker.io/evil/file:1', await putImage(store, [await makeTar([{ name: 'keep', content: 'x' }])]));
  const target = join(base, 'existing');
  await mkdir(join(target, 'keep'), { recursive: true });
  await writeFile(join(target, 'keep/mine'), 'mine');
  const refused = runCli([
    '--cache',
    cache,
    'cache',
    'export',
    'evil/file:1',
    '--platform',
    'linux/amd64',
    '--format',
    'filesystem',
    '--outfile',
    target + '/',
  ]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /keep: .*already a directory .* not made by this export; not replacing it/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(await readFile(join(target, 'keep/mine'), 'utf8'), 'mine');
  assert.ok(existsSync(join(base, 'host/tool')));
});
