// Pure parts of dependency resolution: apt-cache depends output, choosing among alternatives,
// and the kernel module closure over modules.dep / softdep / alias / builtin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseAlternative, parseAptDepends } from './apt.js';
import { moduleClosure, parseModulesDep } from './kernel.js';

// As apt-cache depends prints it for Debian 12's cloud kernel (plus a Pre-Depends).
const APT_DEPENDS = [
  'linux-image-6.1.0-56-cloud-amd64',
  '  Depends: kmod',
  '  Depends: linux-base',
  ' |Depends: initramfs-tools',
  '  Depends: <linux-initramfs-tool>',
  '    dracut',
  '    initramfs-tools',
  '    tiny-initramfs',
  'busybox-static',
  'libc6',
  '  PreDepends: libgcc-s1',
  '',
].join('\n');

describe('apt dependency resolution', () => {
  it('parses groups of alternatives and virtual packages', () => {
    const deps = parseAptDepends(APT_DEPENDS);
    assert.deepEqual([...deps.keys()], ['linux-image-6.1.0-56-cloud-amd64', 'busybox-static', 'libc6']);
    const k = deps.get('linux-image-6.1.0-56-cloud-amd64')!;
    assert.equal(k.length, 3);
    assert.deepEqual(k[2]!.alternatives, [
      { name: 'initramfs-tools', virtual: false, providers: [] },
      { name: 'linux-initramfs-tool', virtual: true, providers: ['dracut', 'initramfs-tools', 'tiny-initramfs'] },
    ]);
    assert.deepEqual(deps.get('busybox-static'), []);
    assert.deepEqual(deps.get('libc6')![0]!.alternatives.map((a) => a.name), ['libgcc-s1']);
  });

  it('chooses the first alternative, honours exclusions and what is already chosen', () => {
    const group = parseAptDepends(APT_DEPENDS).get('linux-image-6.1.0-56-cloud-amd64')![2]!;
    const none = new Set<string>();
    assert.equal(chooseAlternative(group, none, none), 'initramfs-tools');
    assert.equal(chooseAlternative(group, new Set(['initramfs-tools']), none), 'dracut', 'a virtual package: its first provider');
    assert.equal(chooseAlternative(group, none, new Set(['tiny-initramfs'])), undefined, 'already satisfied');
    assert.equal(chooseAlternative(group, new Set(['initramfs-tools', 'linux-initramfs-tool']), none), undefined);
    assert.equal(chooseAlternative(group, new Set(['initramfs-tools', 'dracut']), none), 'tiny-initramfs');
  });
});

const MODULES_DEP = [
  'kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko',
  'kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko',
  'kernel/net/core/failover.ko:',
  'kernel/fs/isofs/isofs.ko:',
  'kernel/lib/libcrc32c.ko:',
  'kernel/arch/x86/crypto/crc32c-intel.ko:',
  'kernel/drivers/char/hw_random/virtio-rng.ko:',
  'kernel/fs/unused.ko:',
  '',
].join('\n');

describe('kernel module closure', () => {
  const db = parseModulesDep(
    MODULES_DEP,
    'kernel/drivers/virtio/virtio.ko\n',
    'alias fs-iso9660 isofs\nalias iso9660 isofs\nalias crc32c crc32c_intel\nalias pci:v00001AF4d* virtio_net\n',
    '# comment\nsoftdep libcrc32c pre: crc32c\n',
  );

  it('follows modules.dep, softdeps and aliases; names built-in modules', () => {
    const r = moduleClosure(db, ['virtio_net', 'iso9660', 'libcrc32c', 'virtio-rng', 'virtio']);
    assert.deepEqual(r.modules, ['crc32c_intel', 'failover', 'isofs', 'libcrc32c', 'net_failover', 'virtio_net', 'virtio_rng']);
    assert.deepEqual(r.builtin, ['virtio']);
  });

  it('names every module it cannot find', () => {
    assert.throws(() => moduleClosure(db, ['virtio_net', 'nope', 'pci:v00001AF4d*']), /no such module in this kernel: nope, pci:v00001AF4d\*/);
  });
});
