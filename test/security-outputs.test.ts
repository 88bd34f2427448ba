// Hostile and unlucky output targets and configs (issue 12, items 3 and 5): `-o` and `--outfile`
// naming devices, fifos, sockets, descriptors and symlinks; `files:` paths that climb out of
// the image; `--name` with a path in it; outputs that are the build's own inputs. Run against
// the real CLI and the real file system; /dev is touched only inside a private mount namespace
// (unshare -m, a tmpfs on /dev with fresh null and full nodes), so a regression cannot replace
// the host's own /dev/null.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigs } from '../src/config/index.js';
import { LayoutStore } from '../src/oci/cache/store.js';
import { CLI, runCli } from './helpers.js';
import { makeTar, putImage, tempDir } from '../src/oci/testing.js';

const YML = 'files:\n  - path: etc/x\n    contents: x\n';
const canUnshare = spawnSync('unshare', ['-m', 'true'], { stdio: 'ignore' }).status === 0;
const env = { ...process.env, CI: '', LINUXKIT_INITRD_CACHE: 'off', LINUXKIT_LAYER_CACHE: 'off' };

/** The CLI run without blocking this process (a fifo or socket reader here must keep going). */
function runAsync(args: string[], cwd: string): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

/** Whether `p` settles within `ms`: a reader left waiting means its fifo or socket was replaced. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([p.then(() => true), late]);
  clearTimeout(timer);
  return settled;
}

async function project(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; cache: string; want: Buffer }> {
  const dir = await tempDir(t, 'lkts-sec-out-');
  const cache = join(dir, 'cache');
  await writeFile(join(dir, 'x.yml'), YML);
  const r = runCli(['--cache', cache, 'build', '-o', 'want.tar', 'x.yml'], { cwd: dir, env });
  assert.equal(r.status, 0, r.stderr);
  return { dir, cache, want: await readFile(join(dir, 'want.tar')) };
}

test(
  '-o and --outfile: /dev/null, /dev/full and /dev/stdout are written in place, never replaced',
  { skip: !canUnshare && 'needs unshare -m (root)' },
  async (t) => {
    const { dir, cache, want } = await project(t);
    const store = await LayoutStore.open(cache);
    await store.tag('docker.io/library/tiny:1', await putImage(store, [await makeTar([{ name: 'f', content: 'f' }])]));
    const lk = `${process.execPath} ${CLI} --cache ${cache}`;
    // Each result on stderr as key=value; stdout carries only the tar of `-o /dev/stdout`.
    const script = [
      'set -u',
      'mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/full c 1 7 && ln -s /proc/self/fd/1 /dev/stdout || exit 99',
      `${lk} build -o /dev/null x.yml 2>null.err; echo "null=$?" >&2`,
      `${lk} build -o /dev/full x.yml 2>full.err; echo "full=$?" >&2`,
      `${lk} cache export tiny:1 --platform linux/amd64 --outfile /dev/full 2>export-full.err; echo "export-full=$?" >&2`,
      `${lk} build -o /dev/stdout x.yml 2>stdout.err; echo "stdout=$?" >&2`,
      `${lk} build -o /dev/stdout x.yml >redirected.tar 2>>stdout.err; echo "redirected=$?" >&2`,
      `echo head >appended.tar; ${lk} build -o /dev/stdout x.yml >>appended.tar 2>>stdout.err; echo "appended=$?" >&2`,
      `echo "types=$(stat -c %F /dev/null /dev/full /dev/stdout | tr '\\n' ,)" >&2`,
      `echo "null-rdev=$(stat -c %t,%T /dev/null) full-rdev=$(stat -c %t,%T /dev/full)" >&2`,
    ].join('\n');
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { cwd: dir, env });
    const report = r.stderr.toString();
    assert.equal(r.status, 0, report);
    for (const k of ['null=0', 'full=1', 'export-full=1', 'stdout=0', 'redirected=0', 'appended=0'])
      assert.match(report, new RegExp(`(^|\\s)${k}\\n`), `${k}\n${report}`);
    assert.match(report, /types=character special file,character special file,symbolic link,/);
    assert.match(report, /null-rdev=1,3 full-rdev=1,7/);
    for (const f of ['full.err', 'export-full.err']) {
      const err = await readFile(join(dir, f), 'utf8');
      assert.match(err, /cannot write the output \/dev\/full: ENOSPC: no space left on device/, f);
      assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
    }
    // Through the socket spawnSync gives as stdout, through a file opened by `>` and by `>>`.
    assert.ok(r.stdout.equals(want), `-o /dev/stdout on a socket: ${r.stdout.length} bytes, want ${want.length}`);
    assert.ok((await readFile(join(dir, 'redirected.tar'))).equals(want));
    assert.ok((await readFile(join(dir, 'appended.tar'))).equals(Buffer.concat([Buffer.from('head\n'), want])), '>> keeps appending');
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  },
);

test('-o and --outfile: fifos and sockets are written to, symlinks followed to their target', async (t) => {
  const { dir, cache, want } = await project(t);
  // A fifo with a reader: the reader gets the tar; the fifo stays a fifo.
  const fifo = join(dir, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const reader = spawn('sh', ['-c', `cat ${fifo} > ${join(dir, 'from-fifo.tar')}`]);
  const readerDone = new Promise((resolve) => reader.on('close', resolve));
  const viaFifo = await runAsync(['--cache', cache, 'build', '-o', fifo, 'x.yml'], dir);
  assert.equal(viaFifo.status, 0, viaFifo.stderr);
  const fifoRead = await within(readerDone, 10_000);
  if (!fifoRead) reader.kill();
  assert.ok(fifoRead, 'the fifo reader got nothing: the fifo was replaced');
  assert.ok((await lstat(fifo)).isFIFO());
  assert.ok((await readFile(join(dir, 'from-fifo.tar'))).equals(want));

  // A listening Unix socket: the listener gets the tar; the socket stays a socket.
  const sock = join(dir, 'sock');
  const got: Buffer[] = [];
  let ended!: () => void;
  const received = new Promise<void>((resolve) => (ended = resolve));
  const server = createServer((c) => c.on('data', (d: Buffer) => got.push(d)).on('end', ended));
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const viaSocket = await runAsync(['--cache', cache, 'build', '-o', sock, 'x.yml'], dir);
  assert.equal(viaSocket.status, 0, viaSocket.stderr);
  const socketRead = await within(received, 10_000);
  const stillSocket = (await lstat(sock)).isSocket();
  server.close(); // removes the socket file
  assert.ok(socketRead && stillSocket, 'the listener got nothing: the socket was replaced');
  assert.ok(Buffer.concat(got).equals(want));

  // Symlinks: to an existing file, a chain ending nowhere yet, and a symlinked parent directory.
  await writeFile(join(dir, 'real.tar'), 'old');
  await symlink('real.tar', join(dir, 'link.tar'));
  await symlink('chain2', join(dir, 'chain1.tar'));
  await symlink(join(dir, 'new/target.tar'), join(dir, 'chain2'));
  await mkdir(join(dir, 'realdir'));
  await symlink('realdir', join(dir, 'linkdir'));
  for (const [out, lands] of [
    ['link.tar', 'real.tar'],
    ['chain1.tar', 'new/target.tar'],
    ['linkdir/x.tar', 'realdir/x.tar'],
  ] as const) {
    const r = runCli(['--cache', cache, 'build', '-o', out, 'x.yml'], { cwd: dir, env });
    assert.equal(r.status, 0, r.stderr);
    assert.ok((await readFile(join(dir, lands))).equals(want), `${out} → ${lands}`);
  }
  assert.equal(await readlink(join(dir, 'link.tar')), 'real.tar', 'the symlink is kept');
  assert.equal(await readlink(join(dir, 'chain1.tar')), 'chain2');
  assert.ok((await lstat(join(dir, 'linkdir'))).isSymbolicLink());

  // The same for cache export --outfile.
  const store = await LayoutStore.open(cache);
  await store.tag('docker.io/library/tiny:1', await putImage(store, [await makeTar([{ name: 'f', content: 'f' }])]));
  const exported = runCli(['--cache', cache, 'cache', 'export', 'tiny:1', '--platform', 'linux/amd64', '--outfile', 'link.tar'], { cwd: dir, env });
  assert.equal(exported.status, 0, exported.stderr);
  assert.equal(await readlink(join(dir, 'link.tar')), 'real.tar');
  assert.ok((await readFile(join(dir, 'real.tar'))).includes('oci-layout'));

  // A directory, and a fifo where a multi-file format (kernel+initrd) would rename: refused.
  await mkdir(join(dir, 'adir'));
  const toDir = runCli(['--cache', cache, 'build', '-o', 'adir', 'x.yml'], { cwd: dir, env });
  assert.equal(toDir.status, 1);
  assert.match(toDir.stderr, /cannot write the output adir: it is a directory/);
  assert.equal(spawnSync('mkfifo', [join(dir, 'x-cmdline')]).status, 0);
  const multi = runCli(['--cache', cache, 'build', 'x.yml'], { cwd: dir, env });
  assert.equal(multi.status, 1);
  assert.match(multi.stderr, /cannot write the output x-cmdline: it is a fifo; this output can only be a regular file/);
  assert.ok((await lstat(join(dir, 'x-cmdline'))).isFIFO());
  assert.equal(existsSync(join(dir, 'x-initrd.img')), false, 'all or nothing');
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
    [],
  );
});

test('files: paths with "..", "." or empty components are refused at file:line:col', async (t) => {
  const dir = await tempDir(t, 'lkts-sec-out-');
  const bad: Array<[string, RegExp]> = [
    ['../../etc/passwd', /has a "\.\." component: a file must stay inside the image's root/],
    ['etc/../../../root/.ssh/authorized_keys', /has a "\.\." component/],
    ['//etc/shadow', /has an empty component \("\/\/"\): write it as etc\/shadow/],
    ['etc//x', /has an empty component/],
    ['./etc/x', /has a "\." component: write it as etc\/x/],
    ['/', /a file needs a path/],
    ['', /a file needs a path/],
  ];
  for (const [path, why] of bad) {
    const file = join(dir, 'f.yml');
    await writeFile(file, `files:\n  - contents: x\n    path: "${path}"\n`);
    await assert.rejects(loadConfigs([file]), (e: Error) => e.message.includes(`${file}:3:11: files[0].path: `) && why.test(e.message), path);
  }
  // What LinuxKit's own configs write: one leading "/", a trailing "/" on a directory.
  await writeFile(join(dir, 'ok.yml'), 'files:\n  - {path: /etc/containerd/runtime-config.toml, contents: x}\n  - {path: var/lib/, directory: true}\n');
  await loadConfigs([join(dir, 'ok.yml')]);
  // From the CLI: the error, and no output.
  await writeFile(join(dir, 'evil.yml'), 'files:\n  - path: ../../../tmp/evil\n    contents: x\n');
  const r = runCli(['--cache', join(dir, 'cache'), 'build', '-o', 'evil.tar', 'evil.yml'], { cwd: dir, env });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /evil\.yml:2:11: files\[0\]\.path: "\.\.\/\.\.\/\.\.\/tmp\/evil" has a "\.\." component/);
  assert.equal(existsSync(join(dir, 'evil.tar')), false);
});

test('--name with a "/" and outputs that are inputs of the same build are refused', async (t) => {
  const { dir, cache } = await project(t);
  const yml = await readFile(join(dir, 'x.yml'));
  const refused = async (args: string[], why: RegExp) => {
    const r = runCli(['--cache', cache, 'build', ...args], { cwd: dir, env });
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };
  await mkdir(join(dir, 'sub'));
  await refused(['--dir', 'sub', '--name', '../escaped', 'x.yml'], /--name "\.\.\/escaped": a name cannot contain "\/"/);
  await refused(['--name', 'a/b', '-f', 'tar', 'x.yml'], /a name cannot contain "\/"/);
  assert.equal(existsSync(join(dir, 'escaped-kernel')) || existsSync(join(dir, 'escaped-initrd.img')), false);

  // The YAML itself, through a symlink, through a hard link; --input-tar through a symlink.
  await symlink('x.yml', join(dir, 'yml-link'));
  await link(join(dir, 'x.yml'), join(dir, 'yml-hardlink'));
  await refused(['-o', 'x.yml', 'x.yml'], /the output x\.yml is the configuration x\.yml, which this build reads/);
  await refused(['-o', 'yml-link', 'x.yml'], /the output yml-link is the configuration x\.yml/);
  await refused(['-o', 'yml-hardlink', 'x.yml'], /the output yml-hardlink is the configuration x\.yml/);
  await symlink('want.tar', join(dir, 'tar-link'));
  await refused(['--input-tar', 'want.tar', '-o', 'tar-link', 'x.yml'], /is the input tar want\.tar/);
  // A files: source, and the image cache (its index.json, a new file in it).
  await writeFile(join(dir, 'src.txt'), 'source');
  await writeFile(join(dir, 'src.yml'), `files:\n  - path: etc/s\n    source: ${join(dir, 'src.txt')}\n`);
  await refused(['-o', 'src.txt', 'src.yml'], /the output src\.txt is the source of files entry etc\/s: .*src\.txt/);
  const index = await readFile(join(cache, 'index.json'));
  await refused(['-o', join(cache, 'index.json'), 'x.yml'], /the output .*index\.json is inside the image cache/);
  await refused(['--dir', join(cache, 'blobs'), '-f', 'kernel+initrd', 'x.yml'], /is inside the image cache/);
  assert.ok((await readFile(join(dir, 'x.yml'))).equals(yml), 'the YAML is intact');
  assert.equal(await readFile(join(dir, 'src.txt'), 'utf8'), 'source');
  assert.ok((await readFile(join(cache, 'index.json'))).equals(index), 'the cache index is intact');
  assert.equal((await stat(join(dir, 'x.yml'))).nlink, 2);
});
