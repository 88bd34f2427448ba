// Expectations from LinuxKit's lk:src/cmd/linuxkit/moby/build/image.go (ImageTar, ImageBundle)
// and build.go (kernelFilter, filesystem).
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Config } from '../config/index.js';
import { containerBundles } from '../spec/index.js';
import { writeBundle } from './bundle.js';
import { writeFiles } from './files.js';
import { writeImageTree } from './image-tree.js';
import { decompressKernel, writeKernel } from './kernel.js';
import { TarSink } from './tar-sink.js';
import { memImage, readTar, type ReadEntry } from './testing.js';
import { tarBuffer } from '../tar/index.js';

const LK_MTIME = Date.UTC(2017, 3, 18, 16, 30, 0) / 1000;

async function collect(write: (sink: TarSink) => Promise<void>): Promise<ReadEntry[]> {
  const sink = new TarSink();
  const reading = readTar(sink.stream);
  await write(sink);
  sink.finish();
  return reading;
}

const byName = (entries: ReadEntry[]) => new Map(entries.map((e) => [e.name, e]));

describe('image trees (ImageTar)', () => {
  const image = memImage('docker.io/library/busybox:1', [
    { name: 'bin', type: 'directory' },
    { name: 'bin/busybox', contents: 'BB', mode: 0o755 },
    { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' },
    { name: 'etc', type: 'directory', mode: 0o700 },
    { name: 'etc/hosts', contents: 'junk', mode: 0o600, uid: 5 },
    { name: 'etc/hostname', contents: 'builder' },
    { name: '.dockerenv', contents: '' },
    { name: 'dev', type: 'directory' },
  ]);

  it('drops Docker-injected files, fixes /etc/hosts, makes the required paths, writes the touch directories again', async () => {
    const out = await collect((s) => writeImageTree(s, image, { location: 'onboot[0]', prefix: 'containers/onboot/000-a/lower/' }));
    const m = byName(out);
    const p = 'containers/onboot/000-a/lower/';
    assert.deepEqual(
      out.slice(0, 4).map((e) => e.name),
      ['containers', 'containers/onboot', 'containers/onboot/000-a', 'containers/onboot/000-a/lower'],
    );
    assert.equal(m.has(p + 'etc/hostname'), false);
    assert.equal(m.has(p + '.dockerenv'), false);
    assert.equal(m.get(p + 'bin/busybox')?.mode, 0o755);
    assert.equal(m.get(p + 'bin/sh')?.linkname, p + 'bin/busybox', 'hard links are moved under the prefix');
    // etc/hosts: LinuxKit's final version is the generated one (0644, root, fixed contents).
    const hosts = out.filter((e) => e.name === p + 'etc/hosts');
    assert.equal(hosts.length, 1);
    assert.equal(hosts[0]!.mode, 0o644);
    assert.equal(hosts[0]!.uid, 0);
    assert.match(hosts[0]!.contents!, /^127\.0\.0\.1 +localhost\n/);
    // required paths in sorted order at the end: the directories always (LinuxKit's touch list
    // never finds them in an image), the files when missing
    assert.deepEqual(
      out.slice(-9).map((e) => e.name.slice(p.length)),
      ['dev', 'dev/pts', 'dev/shm', 'etc', 'etc/hosts', 'etc/mtab', 'etc/resolv.conf', 'proc', 'sys'],
    );
    assert.equal(m.get(p + 'etc/mtab')?.linkname, '/proc/mounts');
    assert.equal(m.get(p + 'etc/resolv.conf')?.contents, '\n# no resolv.conf configured\n');
    // the image's own etc keeps its entry, but the touch list's 0755 root one comes after it
    const etcs = out.filter((e) => e.name === p + 'etc');
    assert.deepEqual(
      etcs.map((e) => e.mode),
      [0o700, 0o755],
    );
    assert.equal(etcs[1]!.mtime, LK_MTIME);
    assert.equal(m.get(p + 'bin/busybox')?.mtime, 1, 'image files keep their mtime');
    for (const e of out) {
      assert.equal(e.pax['LINUXKIT.source'], 'docker.io/library/busybox:1', e.name);
      assert.equal(e.pax['LINUXKIT.location'], 'onboot[0]', e.name);
    }
  });

  it('makes resolv.conf a symlink for init images', async () => {
    const out = await collect((s) => writeImageTree(s, image, { location: 'init[0]', prefix: '', resolvSymlink: '/run/resolvconf/resolv.conf' }));
    const r = byName(out).get('etc/resolv.conf');
    assert.equal(r?.type, 'symlink');
    assert.equal(r?.linkname, '/run/resolvconf/resolv.conf');
  });
});

describe('kernel section (kernelFilter)', () => {
  function modulesTar(): Promise<Buffer> {
    return tarBuffer([
      { header: { name: 'lib/modules/6.1.0/', type: 'directory', mode: 0o755 } },
      { header: { name: 'lib/modules/6.1.0/modules.dep', mode: 0o644 }, data: 'kernel/x.ko:\n' },
    ]);
  }

  it('writes boot/cmdline, boot/kernel and unpacks kernel.tar at the root', async () => {
    const image = memImage('docker.io/linuxkit/kernel:6', [
      { name: 'kernel', contents: 'KERNEL', mode: 0o644 },
      { name: 'kernel.tar', contents: await modulesTar() },
      { name: 'System.map', contents: 'x' },
    ]);
    const out = await collect((s) => writeKernel(s, { image: image.ref, cmdline: 'console=ttyS0' }, image));
    assert.deepEqual(
      out.map((e) => [e.name, e.type]),
      [
        ['boot', 'directory'],
        ['boot/cmdline', 'file'],
        ['boot/kernel', 'file'],
        ['lib/modules/6.1.0', 'directory'],
        ['lib/modules/6.1.0/modules.dep', 'file'],
      ],
    );
    const m = byName(out);
    assert.equal(m.get('boot/cmdline')?.contents, 'console=ttyS0');
    assert.equal(m.get('boot/kernel')?.contents, 'KERNEL');
    assert.equal(m.get('boot/kernel')?.mtime, LK_MTIME);
    assert.equal(m.get('lib/modules/6.1.0/modules.dep')?.pax['LINUXKIT.location'], 'kernel');
  });

  it('honours binary, tar: none and ucode', async () => {
    const image = memImage('k', [
      { name: 'ucode.cpio', contents: 'UCODE' },
      { name: 'bzImage', contents: 'K' },
    ]);
    const out = await collect((s) => writeKernel(s, { image: 'k', binary: 'bzImage', tar: 'none', ucode: 'ucode.cpio' }, image));
    assert.deepEqual(
      out.map((e) => e.name),
      ['boot', 'boot/ucode.cpio', 'boot/cmdline', 'boot/kernel'],
    );
  });

  it('fails clearly without a kernel or without kernel.tar', async () => {
    const noKernel = memImage('docker.io/x/k:1', [{ name: 'vmlinuz', contents: 'K' }]);
    await assert.rejects(
      collect((s) => writeKernel(s, { image: 'x/k:1' }, noKernel)),
      /has no kernel file "kernel"/,
    );
    const noTar = memImage('docker.io/x/k:1', [{ name: 'kernel', contents: 'K' }]);
    await assert.rejects(
      collect((s) => writeKernel(s, { image: 'x/k:1' }, noTar)),
      /has no modules tar "kernel.tar"/,
    );
  });

  it('decompresses gzip kernels', () => {
    assert.equal(decompressKernel(gzipSync('plain'), 'k').toString(), 'plain');
    assert.throws(() => decompressKernel(Buffer.from('nope'), 'k'), /neither gzip nor a bzImage/);
  });
});

describe('files section (filesystem)', () => {
  it('writes contents, directories, symlinks, sources with parents and modes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lkfiles-'));
    await writeFile(join(dir, 'src.txt'), 'from disk');
    const out = await collect((s) =>
      writeFiles(
        s,
        [
          { path: 'etc/app/motd', contents: 'hi', mode: '0644' },
          { path: '/etc/app/data', directory: true },
          { path: 'etc/app/link', symlink: '/etc/app/motd' },
          { path: 'etc/app/src', source: join(dir, 'src.txt'), uid: 'svc', gid: 7 },
          { path: 'etc/gone', source: join(dir, 'missing'), optional: true },
          { path: 'etc/meta.yml', metadata: 'yaml' },
        ],
        { ids: new Map([['svc', 101]]), metadata: (k) => `meta:${k}` },
      ),
    );
    const m = byName(out);
    assert.deepEqual(
      out.map((e) => e.name),
      ['etc', 'etc/app', 'etc/app/motd', 'etc/app/data', 'etc/app/link', 'etc/app/src', 'etc/meta.yml'],
    );
    assert.equal(m.get('etc')?.mode, 0o755, 'parents of a 0644 file are 0755');
    assert.equal(m.get('etc/app/motd')?.contents, 'hi');
    assert.equal(m.get('etc/app/data')?.mode, 0o700, 'directory default 0700');
    assert.equal(m.get('etc/app/link')?.linkname, '/etc/app/motd');
    assert.equal(m.get('etc/app/src')?.contents, 'from disk');
    assert.equal(m.get('etc/app/src')?.mode, 0o600, 'file default 0600');
    assert.equal(m.get('etc/app/src')?.uid, 101);
    assert.equal(m.get('etc/app/src')?.gid, 7);
    assert.equal(m.get('etc/meta.yml')?.contents, 'meta:yaml');
    assert.equal(m.get('etc/app/motd')?.pax['LINUXKIT.location'], 'files[0]');
    assert.equal(m.get('etc/app/motd')?.pax['LINUXKIT.source'], 'linuxkit.files');
  });

  it('names the entry when a source is missing', async () => {
    await assert.rejects(
      collect((s) => writeFiles(s, [{ path: 'a', source: '/nonexistent/x' }], { ids: new Map(), metadata: () => '' })),
      /files\[0\] \(a\): source \/nonexistent\/x does not exist/,
    );
  });
});

describe('bundles (ImageBundle, planned by spec containerBundles)', () => {
  const image = memImage('docker.io/library/alpine:3', [{ name: 'bin/sh', contents: 'sh' }]);
  const config: Config = {
    onboot: [{ name: 'r', image: 'alpine:3', readonly: true }],
    services: [
      { name: 'a', image: 'alpine:3' },
      { name: 'b', image: 'alpine:3' },
    ],
  };
  const bundles = containerBundles(config, () => ({ ref: image.ref, config: {} }));

  it('unpacks once, lays out read-only and writable containers as LinuxKit does', async () => {
    const out = await collect(async (s) => {
      for (const b of bundles) await writeBundle(s, b, image);
    });
    const m = byName(out);
    assert.ok(m.has('containers/onboot/000-r/rootfs/bin/sh'), 'read-only: unpacked in rootfs/');
    assert.ok(!m.has('containers/services/a/lower/bin/sh'), 'already unpacked by onboot r');
    for (const d of ['a/tmp', 'a/rootfs', 'b/tmp', 'b/rootfs']) assert.equal(m.get('containers/services/' + d)?.type, 'directory');
    const rt = JSON.parse(m.get('containers/services/b/runtime.json')!.contents!) as { mounts: unknown[] };
    assert.deepEqual(rt.mounts.slice(0, 3), [
      { destination: '/containers/services/b/tmp', type: 'tmpfs', source: 'tmpfs' },
      { destination: '/containers/services/b/tmp', options: ['remount', 'private'] },
      {
        destination: '/containers/services/b/rootfs',
        type: 'overlay',
        source: 'overlay',
        options: ['lowerdir=/containers/onboot/000-r/rootfs', 'upperdir=/containers/services/b/tmp/upper', 'workdir=/containers/services/b/tmp/work'],
      },
    ]);
    const cfg = m.get('containers/services/a/config.json')!;
    assert.equal(cfg.mode, 0o644);
    assert.equal(cfg.contents, bundles[1]!.configJson);
    assert.equal(cfg.pax['LINUXKIT.location'], 'services[0]');
    // order inside a bundle: config.json, mountpoints, runtime.json
    const names = out.map((e) => e.name).filter((n) => n.startsWith('containers/services/b/'));
    assert.deepEqual(names, [
      'containers/services/b/config.json',
      'containers/services/b/tmp',
      'containers/services/b/rootfs',
      'containers/services/b/runtime.json',
    ]);
  });
});
