// The project's kernel (pkg/kernel), built from Debian's kernel source with the config fragment
// pkg/kernel/config-x86_64, by the CLI into a fresh image cache. The compile itself is cached by
// content under ~/.cache/linuxkit-ts/kernel (`make test` builds the package once first), so
// here it is minutes only on a machine where nothing built it yet. Checked: LinuxKit's image
// layout, the .config being exactly the fragment, the SBOM, the same image bytes from a second
// build, the tag following the fragment, and a boot under TCG where /proc/config.gz has the KSPP
// settings and the kernel has no module support at all (nothing to load on the boot path).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { LayoutStore } from '../src/oci/cache/index.js';
import { readSboms } from '../src/oci/sbom.js';
import type { ImageIndex } from '../src/oci/types.js';
import { checkKconfig } from '../src/pkg/kconfig.js';
import { boot, installBusybox, makeKernelImage, tempDir, TEST_CMDLINE, writeFileIn } from './fixtures/boot.js';
import { unpackImage } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

const PKG = join(ROOT, 'pkg', 'kernel');
const FRAGMENT = readFileSync(join(PKG, 'config-x86_64'), 'utf8');
const tmp = tempDir('pkg-kernel');

/** `pkg build` into a fresh cache: [reference, index digest, stderr]. */
function build(cache: string): { ref: string; digest: string; stderr: string } {
  const r = runCli(['--cache', cache, 'pkg', 'build', PKG]);
  assert.equal(r.status, 0, r.stderr);
  const [ref, digest] = r.stdout.trim().split(' ');
  return { ref: ref!, digest: digest!, stderr: r.stderr };
}

function tarList(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((n) => n.replace(/^\.\//, ''));
}

describe('pkg/kernel: built from source', () => {
  const cache = join(tmp, 'cache');
  const image = join(tmp, 'image');
  let first: ReturnType<typeof build>;
  let release = '';

  before(() => {
    first = build(cache);
    unpackImage(cache, first.ref, image);
    release = /^boot\/config-(.+)$/.exec(tarList(join(image, 'kernel.tar')).find((n) => n.startsWith('boot/config-')) ?? '')?.[1] ?? '';
  });

  it("has LinuxKit's kernel image layout, with no modules in kernel.tar", () => {
    assert.deepEqual(readdirSync(image).sort(), ['System.map', 'config', 'kernel', 'kernel-dev.tar', 'kernel-headers.tar', 'kernel.tar']);
    assert.match(execFileSync('file', ['-b', join(image, 'kernel')], { encoding: 'utf8' }), /Linux kernel x86 boot executable bzImage/);
    assert.match(readFileSync(join(image, 'System.map'), 'utf8'), / T start_kernel$/m);
    assert.deepEqual(
      tarList(join(image, 'kernel.tar')).filter((n) => !n.endsWith('/')),
      [`boot/config-${release}`],
    );
    assert.ok(tarList(join(image, 'kernel-headers.tar')).includes('usr/include/linux/virtio_net.h'));
    assert.ok(tarList(join(image, 'kernel-dev.tar')).includes(`usr/src/linux-headers-${release}/.config`));
  });

  it('its .config is exactly the fragment', () => {
    assert.deepEqual(checkKconfig(FRAGMENT, readFileSync(join(image, 'config'), 'utf8')), []);
  });

  it('its SBOM names the kernel source package and its pinned version', async () => {
    const store = await LayoutStore.open(cache);
    const index = JSON.parse((await store.readBlob((await store.resolve(first.ref))!.digest)).toString('utf8')) as ImageIndex;
    const amd64 = index.manifests.find((m) => m.platform?.architecture === 'amd64')!;
    const [doc] = await readSboms(store, index, amd64.digest);
    const pkgs = (JSON.parse(doc!.toString('utf8')) as { packages: Array<{ name: string; versionInfo: string }> }).packages;
    const yml = readFileSync(join(PKG, 'build.yml'), 'utf8');
    assert.deepEqual(
      pkgs.map((p) => [p.name, p.versionInfo]),
      [[/source: (\S+)/.exec(yml)![1], /version: (\S+)/.exec(yml)![1]]],
    );
  });

  it('a second build (its compile from the cache) gives the same image bytes', () => {
    const second = build(join(tmp, 'cache2'));
    assert.match(second.stderr, /built before, from the cache/);
    assert.equal(second.digest, first.digest);
  });

  it('its tag changes when the config fragment changes', () => {
    const copy = join(tmp, 'pkg-copy');
    cpSync(PKG, copy, { recursive: true });
    const tag = (): string => {
      const r = runCli(['pkg', 'show-tag', copy]);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    const before = tag();
    appendFileSync(join(copy, 'config-x86_64'), 'CONFIG_NFT_REJECT=y\n');
    assert.notEqual(tag(), before);
    writeFileSync(join(copy, 'config-x86_64'), FRAGMENT);
    assert.equal(tag(), before);
  });

  it('boots under TCG: /proc/config.gz has the KSPP settings, and there is no module support', { timeout: 180_000 }, async () => {
    const root = join(tmp, 'initrd');
    installBusybox(root);
    const kspp = [
      'STACKPROTECTOR_STRONG',
      'FORTIFY_SOURCE',
      'HARDENED_USERCOPY',
      'INIT_ON_ALLOC_DEFAULT_ON',
      'RANDOMIZE_KSTACK_OFFSET_DEFAULT',
      'STRICT_KERNEL_RWX',
      'LEGACY_VSYSCALL_NONE',
      'SECURITY_LOCKDOWN_LSM',
      'LOCK_DOWN_KERNEL_FORCE_INTEGRITY',
      'VMAP_STACK',
    ];
    writeFileIn(
      root,
      'init',
      [
        '#!/bin/sh',
        'mkdir -p /proc /sys; mount -t proc proc /proc; mount -t sysfs sysfs /sys',
        ...kspp.map((o) => `zcat /proc/config.gz | grep -qx CONFIG_${o}=y && echo "KSPP ${o}=y"`),
        'zcat /proc/config.gz | grep -qx "# CONFIG_MODULES is not set" && [ ! -e /proc/modules ] && echo NO-MODULES',
        '[ ! -e /dev/mem ] && echo NO-DEVMEM',
        '[ -e /sys/class/net/eth0 ] && echo ETH0',
        'poweroff -f',
        '',
      ].join('\n'),
      0o755,
    );
    const vm = await boot(makeKernelImage(root, TEST_CMDLINE, tempDir('pkg-kernel-image'), join(image, 'kernel')), { networking: 'user' });
    try {
      await vm.wait();
    } finally {
      vm.kill('SIGKILL');
    }
    // assert.ok with the init's own lines as the message: the whole console would bury them.
    const out = vm.text();
    const lines = out
      .split('\n')
      .filter((l) => !l.startsWith('['))
      .slice(-30)
      .join('\n');
    for (const o of kspp) assert.ok(out.includes(`KSPP ${o}=y`), `${o} in /proc/config.gz:\n${lines}`);
    assert.ok(out.includes('NO-MODULES'), `no module support:\n${lines}`);
    assert.ok(out.includes('NO-DEVMEM'), `no /dev/mem:\n${lines}`);
    assert.ok(out.includes('Kernel is locked down from Kernel configuration'), 'the kernel says it is locked down');
    assert.ok(out.includes('ETH0'), `virtio-net is built in:\n${lines}`);
  });
});
