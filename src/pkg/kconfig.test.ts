// Kernel config fragments and their check against the .config Kconfig made of them, and the
// `kernel:` block of build.yml for a kernel built from source. The repository's own fragment is
// checked for what the issue asks of it (virtio built in, modules off, the KSPP settings).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../test/helpers.js';
import { loadBuildYml, parseBuildYml } from './buildyml.js';
import { checkKconfig, describeMismatches, kconfigValues, parseKconfig } from './kconfig.js';

describe('kernel config fragments', () => {
  const fragment = ['# why', 'CONFIG_A=y', '', '# CONFIG_B is not set', 'CONFIG_C="x y"', 'CONFIG_D=0x10', '# a comment, CONFIG_E=y'].join('\n');

  it('reads set and unset options with their lines, and nothing from comments', () => {
    assert.deepEqual(parseKconfig(fragment), [
      { name: 'CONFIG_A', value: 'y', line: 2 },
      { name: 'CONFIG_B', value: 'n', line: 4 },
      { name: 'CONFIG_C', value: '"x y"', line: 5 },
      { name: 'CONFIG_D', value: '0x10', line: 6 },
    ]);
  });

  it('finds the options Kconfig did not apply: dropped, changed, or on when asked off', () => {
    const dotConfig = ['CONFIG_A=y', 'CONFIG_B=y', 'CONFIG_C="x y"', '# CONFIG_D is not set'].join('\n');
    const m = checkKconfig(fragment, dotConfig);
    assert.deepEqual(m.map((x) => [x.option.name, x.got]), [['CONFIG_B', 'y'], ['CONFIG_D', 'n']]);
    const text = describeMismatches('config-x86_64', m);
    assert.match(text, /config-x86_64:4: # CONFIG_B is not set, but the .config has CONFIG_B=y/);
    assert.match(text, /config-x86_64:6: CONFIG_D=0x10, but the .config has it off/);
    // An option absent from the .config (its menu is off) counts as off.
    assert.deepEqual(checkKconfig('# CONFIG_Z is not set\n', ''), []);
    assert.equal(checkKconfig('CONFIG_Z=y\n', '').length, 1);
  });

  it("pkg/kernel's fragment: drivers built in, modules off, the KSPP settings on", () => {
    const v = kconfigValues(readFileSync(join(ROOT, 'pkg', 'kernel', 'config-x86_64'), 'utf8'));
    for (const o of ['VIRTIO_PCI', 'VIRTIO_BLK', 'SCSI_VIRTIO', 'VIRTIO_NET', 'VIRTIO_CONSOLE', 'HW_RANDOM_VIRTIO', 'VIRTIO_BALLOON', 'VIRTIO_VSOCKETS',
      'ATA_PIIX', 'SATA_AHCI', 'E1000', 'EXT4_FS', 'VFAT_FS', 'ISO9660_FS', 'SQUASHFS', 'EROFS_FS', 'OVERLAY_FS', 'TMPFS', '9P_FS', 'VIRTIO_FS',
      'CGROUPS', 'MEMCG', 'SECCOMP_FILTER', 'VETH', 'BRIDGE', 'NF_NAT', 'RD_GZIP', 'RD_ZSTD', 'IKCONFIG_PROC',
      'STACKPROTECTOR_STRONG', 'FORTIFY_SOURCE', 'HARDENED_USERCOPY', 'INIT_ON_ALLOC_DEFAULT_ON', 'RANDOMIZE_KSTACK_OFFSET_DEFAULT', 'VMAP_STACK',
      'LEGACY_VSYSCALL_NONE', 'RANDOMIZE_BASE', 'SECURITY_LOCKDOWN_LSM']) {
      assert.equal(v.get(`CONFIG_${o}`), 'y', o);
    }
    for (const o of ['MODULES', 'DEVMEM', 'COMPAT_BRK', 'KEXEC']) assert.equal(v.get(`CONFIG_${o}`), 'n', o);
  });
});

describe('build.yml kernel: from source', () => {
  const base = ['image: kernel', 'arches: [amd64]', 'kernel:'];

  it('reads the source package, its pinned version and a fragment per architecture', () => {
    const y = parseBuildYml([...base, '  source: linux-source-6.1', '  version: 6.1.1-1', '  config: {amd64: config-x86_64}'].join('\n'), 'b.yml');
    assert.deepEqual(y.kernel, { source: { package: 'linux-source-6.1', version: '6.1.1-1' }, config: { amd64: 'config-x86_64' } });
    assert.deepEqual(loadBuildYml(join(ROOT, 'pkg', 'kernel', 'build.yml')).kernel?.config, { amd64: 'config-x86_64' });
  });

  it('rejects a missing pin, a missing fragment, a debian: block and a mix with modules', () => {
    assert.throws(() => parseBuildYml([...base, '  source: s', '  config: {amd64: c}'].join('\n'), 'b.yml'), /b\.yml:4:3: kernel: "version" is required/);
    assert.throws(() => parseBuildYml([...base, '  source: s', '  version: 1', '  config: {arm64: c}'].join('\n'), 'b.yml'), /no config fragment for amd64/);
    assert.throws(() => parseBuildYml([...base, '  source: s', '  version: 1', '  config: {amd64: ../c}'].join('\n'), 'b.yml'), /inside the package directory/);
    assert.throws(() => parseBuildYml([...base, '  source: s', '  version: 1', '  config: {amd64: c}', 'debian: {packages: [x]}'].join('\n'), 'b.yml'), /takes no debian: block/);
    assert.throws(() => parseBuildYml([...base, '  source: s', '  modules: [m]'].join('\n'), 'b.yml'), /either "modules"/);
  });
});
