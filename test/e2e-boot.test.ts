// End to end, offline: the project's packages (pkg/kernel, pkg/init, pkg/crun, pkg/busybox) built
// from Debian packages into a fresh cache with the pkg library, examples/minimal.yml (plus
// examples/fragments/poweroff.yml) built by the CLI with its @pkg: templates resolved to those packages,
// booted under qemu (TCG, 256 MB), and the serial console checked: the init's stages, the onboot
// container's line, the service's marker, then a clean poweroff that runs onshutdown and ends
// qemu with status 0. Downloads (.deb files) are cached in ~/.cache/linuxkit-ts.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LayoutStore } from '../src/oci/cache/index.js';
import { buildPackage } from '../src/pkg/build.js';
import { canonicalRef, loadPackage } from '../src/pkg/package.js';
import { boot } from './fixtures/boot.js';
import { ensureAptLists } from './fixtures/debian.js';
import { ROOT, runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'e2e-boot-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const PACKAGES = ['kernel', 'init', 'crun', 'busybox'];

function stages(console: string): Array<{ t: number; what: string }> {
  return [...console.matchAll(/linuxkit-ts: (\d+\.\d+) (.*?)\r?$/gm)].map((m) => ({ t: Number(m[1]), what: m[2]! }));
}

describe('examples/minimal.yml from the project\'s packages, booted', { timeout: 360_000 }, () => {
  const cache = join(tmp, 'cache');
  const out = join(tmp, 'out');
  const refs = new Map<string, string>();
  let console = '';
  let status = -1;
  let dryRun = '';

  before(async () => {
    ensureAptLists();
    const store = await LayoutStore.open(cache);
    for (const name of PACKAGES) {
      const pkg = loadPackage(join(ROOT, 'pkg', name));
      const r = await buildPackage(pkg, store);
      assert.equal(r.skipped, false, `${name} was built into the fresh cache`);
      refs.set(name, canonicalRef(pkg));
    }
    const configs = [join(ROOT, 'examples/minimal.yml'), join(ROOT, 'examples/fragments/poweroff.yml')];
    const dry = runCli(['build', '--dry-run', ...configs]);
    assert.equal(dry.status, 0, dry.stderr);
    dryRun = dry.stdout;
    const b = runCli(['--cache', cache, 'build', '--name', 'minimal', '--dir', out, ...configs]);
    assert.equal(b.status, 0, b.stderr);

    const vm = await boot(join(out, 'minimal'), { state: join(tmp, 'state'), mem: 256 });
    try {
      // Bounded: a hung boot fails here rather than at the suite's timeout.
      await vm.waitFor(/Requesting system poweroff|reboot: Power down/, 240_000);
      status = await vm.wait();
    } finally {
      console = vm.text();
      vm.kill();
      if (status !== 0) process.stderr.write(`--- console ---\n${console}\n--- end ---\n`);
    }
  });

  it('resolves every @pkg: template to the tag the package was built under', () => {
    assert.doesNotMatch(dryRun, /@pkg:/);
    for (const [name, ref] of refs) assert.match(dryRun, new RegExp(`(image: |- )${ref}$`, 'm'), name);
  });

  it('writes a kernel, an initrd and the command line', () => {
    for (const f of ['minimal-kernel', 'minimal-initrd.img', 'minimal-cmdline']) assert.ok(existsSync(join(out, f)), f);
    assert.ok(statSync(join(out, 'minimal-initrd.img')).size > 1_000_000);
    assert.equal(readFileSync(join(out, 'minimal-cmdline'), 'utf8').trim(), 'console=tty0 console=ttyS0');
  });

  it('goes through the init\'s stages in order', () => {
    const seen = stages(console).map((s) => s.what);
    const want = [
      'init start',
      'init root ready',
      'rc.init start',
      'rc.init mounts done',
      'onboot 000-hello start',
      'onboot 000-hello done status=0',
      // Services start together: their lines come in any order, before "services started".
      'service marker started',
      'services started',
      'rc.init done',
      'shutdown start',
      'onshutdown 000-bye done status=0',
      'shutdown done',
    ];
    let at = -1;
    for (const w of want) {
      const i = seen.indexOf(w, at + 1);
      assert.ok(i > at, `stage "${w}" missing or out of order in:\n${seen.join('\n')}`);
      at = i;
    }
    const onboot = seen.indexOf('onboot 000-hello done status=0');
    const started = seen.indexOf('services started');
    const poweroff = seen.indexOf('service zz-poweroff started');
    assert.ok(poweroff > onboot && poweroff < started, `"service zz-poweroff started" not between onboot and "services started":\n${seen.join('\n')}`);
  });

  it('shows the onboot container\'s output, the service\'s marker and the memory in use', () => {
    assert.match(console, /^hello from an onboot container\r?$/m);
    assert.match(console, /^marker: service running\r?$/m);
    const m = /^memory in use: (\d+) kB of (\d+) kB\r?$/m.exec(console);
    assert.ok(m, 'the poweroff service prints MemTotal - MemAvailable');
    assert.ok(Number(m[1]) > 1000 && Number(m[1]) < Number(m[2]));
  });

  it('powers off cleanly: onshutdown runs, qemu exits 0', () => {
    assert.match(console, /^goodbye from an onshutdown container\r?$/m);
    assert.equal(status, 0);
  });
});
