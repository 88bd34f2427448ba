// The Debian-kernel package (pkg/kernel-debian): built from Debian's cloud kernel, checked against
// an independent module closure (kmod's own modprobe over the whole unpacked package), its
// modules.dep checked for consistency, and booted in qemu (TCG) where `modprobe virtio_net`
// must bring up eth0. Downloads the kernel .deb (~27 MB) once into the .deb cache.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { aptArchitectures, defaultDebCacheDir, fetchDeb, resolvePackages } from '../src/pkg/apt.js';
import { unpackImage } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'pkg-kernel-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const PKG = join(ROOT, 'pkg', 'kernel-debian');
const spec = parse(readFileSync(join(PKG, 'build.yml'), 'utf8')) as {
  debian: { packages: string[]; exclude: string[] };
  kernel: { modules: string[] };
};

function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
}

describe('pkg/kernel-debian', () => {
  let version = '';
  const image = join(tmp, 'image');
  const ktar = join(tmp, 'ktar');

  before(() => {
    const cache = join(tmp, 'cache');
    const r = runCli(['--cache', cache, 'pkg', 'build', PKG]);
    assert.equal(r.status, 0, r.stderr);
    const ref = r.stdout.trim().split(' ')[0]!;
    unpackImage(cache, ref, image);
    mkdirSync(ktar);
    sh('tar', ['-xf', join(image, 'kernel.tar'), '-C', ktar]);
    version = readdirSync(join(ktar, 'lib', 'modules'))[0]!;
  });

  it('is laid out as a LinuxKit kernel image', () => {
    assert.deepEqual(readdirSync(image).sort(), ['kernel', 'kernel.tar']);
    assert.match(sh('file', ['-b', join(image, 'kernel')]), /Linux kernel x86 boot executable bzImage/);
    assert.deepEqual(readdirSync(ktar).sort(), ['boot', 'lib']);
    assert.match(readFileSync(join(ktar, 'boot', `config-${version}`), 'utf8'), /^CONFIG_VIRTIO_NET=m$/m);
  });

  it('holds exactly the closure of the requested modules, with a consistent modules.dep', async () => {
    // Independent answer: unpack the whole Debian kernel package, let kmod index it, and ask
    // modprobe what loading each requested module takes.
    const { native } = aptArchitectures();
    const debs = resolvePackages(spec.debian.packages, spec.debian.exclude, native);
    const kernelDeb = debs.find((d) => /^linux-image-\d/.test(d.name))!;
    const full = join(tmp, 'full');
    sh('dpkg-deb', ['-x', await fetchDeb(kernelDeb, defaultDebCacheDir(), native, native), full]);
    sh('depmod', ['-b', full, version]);
    const expected = new Set<string>();
    for (const m of spec.kernel.modules) {
      for (const line of sh('modprobe', ['-d', full, '-S', version, '--show-depends', m]).split('\n')) {
        const ins = /^insmod (\S+)/.exec(line);
        if (ins) expected.add(ins[1]!.slice(join(full, 'lib', 'modules', version).length + 1));
      }
    }
    const modDir = join(ktar, 'lib', 'modules', version);
    const got = sh('find', ['.', '-name', '*.ko*'], modDir)
      .trim()
      .split('\n')
      .map((p) => p.slice(2))
      .sort();
    assert.deepEqual(got, [...expected].sort());

    // modules.dep names only files that are there, and is what depmod makes of this set.
    const dep = readFileSync(join(modDir, 'modules.dep'), 'utf8');
    for (const line of dep.trim().split('\n')) {
      for (const p of line.replace(':', '').split(/\s+/).filter(Boolean)) assert.ok(existsSync(join(modDir, p)), `${p} in modules.dep`);
    }
    const again = join(tmp, 'again');
    cpSync(ktar, again, { recursive: true });
    rmSync(join(again, 'lib', 'modules', version, 'modules.dep'));
    rmSync(join(again, 'lib', 'modules', version, 'modules.dep.bin'));
    sh('depmod', ['-b', again, version]);
    assert.equal(readFileSync(join(again, 'lib', 'modules', version, 'modules.dep'), 'utf8'), dep);
    assert.match(sh('modprobe', ['-d', ktar, '-S', version, '--show-depends', 'virtio_net']), /virtio_net\.ko/);
  });

  it('boots in qemu, where modprobe virtio_net brings up eth0', { timeout: 180_000 }, async (t) => {
    if (!existsSync('/usr/bin/qemu-system-x86_64')) {
      t.skip('qemu-system-x86_64 is not installed');
      return;
    }
    // initrd: busybox-static from Debian + kernel.tar's modules + a tiny /init.
    const { native } = aptArchitectures();
    const [busybox] = resolvePackages(['busybox-static'], [], native);
    const root = join(tmp, 'initrd');
    sh('dpkg-deb', ['-x', await fetchDeb(busybox!, defaultDebCacheDir(), native, native), root]);
    cpSync(join(ktar, 'lib'), join(root, 'lib'), { recursive: true });
    writeFileSync(
      join(root, 'init'),
      [
        '#!/bin/busybox sh',
        '/bin/busybox mkdir -p /proc /sys /sbin /usr/bin /usr/sbin',
        '/bin/busybox --install -s',
        'mount -t proc proc /proc; mount -t sysfs sysfs /sys',
        'modprobe virtio_pci && modprobe virtio_net && echo MODPROBE-OK',
        'sleep 1; [ -e /sys/class/net/eth0 ] && echo ETH0-OK',
        'poweroff -f',
        '',
      ].join('\n'),
    );
    chmodSync(join(root, 'init'), 0o755);
    const initrd = join(tmp, 'initrd.cpio');
    execFileSync('sh', ['-c', `find . | sort | cpio -o -H newc --quiet > ${initrd}`], { cwd: root });

    const out = await new Promise<string>((resolveP) => {
      const q = spawn(
        'qemu-system-x86_64',
        [
          '-accel',
          'tcg',
          '-m',
          '256',
          '-nographic',
          '-no-reboot',
          '-nodefaults',
          '-serial',
          'stdio',
          '-kernel',
          join(image, 'kernel'),
          '-initrd',
          initrd,
          '-append',
          'console=ttyS0 panic=-1 quiet',
          '-netdev',
          'user,id=n0',
          '-device',
          'virtio-net-pci,netdev=n0',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      q.stdout.on('data', (d: Buffer) => (text += d.toString()));
      q.stderr.on('data', (d: Buffer) => (text += d.toString()));
      const timer = setTimeout(() => q.kill('SIGKILL'), 150_000);
      q.on('close', () => {
        clearTimeout(timer);
        resolveP(text);
      });
    });
    assert.match(out, /MODPROBE-OK/, out);
    assert.match(out, /ETH0-OK/, out);
  });
});
