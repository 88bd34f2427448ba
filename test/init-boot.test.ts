// The init (pkg/init/rootfs) booted for real: Debian's cloud kernel, an initrd made by hand
// with busybox, crun and LinuxKit-layout bundles; the console is checked stage by stage.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { boot, installBusybox, makeKernelImage, tempDir, TEST_CMDLINE } from './fixtures/boot.js';
import { installCrun, installInit, installModules } from './fixtures/init-image.js';
import { writeBundle } from './fixtures/oci-bundle.js';
import { parseStages } from '../src/bench/index.js';

const BUSYBOX_ROOT = '/containers/services/marker/rootfs';

function makeImage(): string {
  const root = tempDir('init-root');
  installInit(root);
  installCrun(root);
  installModules(root, ['fs/overlayfs/overlay.ko', 'drivers/net/veth.ko']);

  // One busybox tree for every container, in the marker service's rootfs (others bind or overlay it).
  const bb = join(root, BUSYBOX_ROOT);
  installBusybox(bb);
  // Mount points must exist: the machine's root (and so this tree) is read-only at run time.
  for (const d of ['proc', 'dev', 'sys', 'tmp', 'hostlog', 'hostrun', 'hostcg']) mkdirSync(join(bb, d), { recursive: true });
  writeFileSync(join(bb, 'hostconsole'), '');

  writeBundle(root, 'onboot', '001-hello', {
    rootFrom: BUSYBOX_ROOT,
    writable: true,
    args: ['/bin/sh', '-c', 'echo hello-onboot; echo upper > /written && echo "overlay-write=$(cat /written)"'],
  });
  writeBundle(root, 'onboot', '002-ns', {
    rootFrom: BUSYBOX_ROOT,
    namespaces: ['pid', 'mount', 'ipc', 'uts', 'network'],
    runtime: {
      mkdir: ['/run/made-by-runtime-json'],
      bindNS: { net: '/run/netns/002-ns' },
      interfaces: [{ name: 'eth-ns', peer: 'eth-host' }],
    },
    args: ['/bin/sh', '-c', 'echo ns-onboot; ip -o link | grep -q eth-ns@ && echo "ns-onboot has eth-ns"'],
  });
  writeBundle(root, 'services', 'marker', {
    rootFrom: BUSYBOX_ROOT,
    runtime: { cgroups: ['podruntime/marker'] },
    args: ['/bin/sh', '-c', 'echo service-marker-started; exec sleep 1000'],
  });
  writeBundle(root, 'services', 'flaky', {
    rootFrom: BUSYBOX_ROOT,
    runtime: { restart: { policy: 'on-failure', maxRetries: 1 } },
    args: ['/bin/sh', '-c', 'echo flaky-ran; exit 3'],
  });
  // always restarts a service that exits 0; on-failure does not (test/init-supervise.test.ts
  // checks every policy on the host; these show the same in a machine).
  writeBundle(root, 'services', 'once', {
    rootFrom: BUSYBOX_ROOT,
    runtime: { restart: { policy: 'always', maxRetries: 1 } },
    args: ['/bin/sh', '-c', 'echo once-ran'],
  });
  writeBundle(root, 'services', 'clean', {
    rootFrom: BUSYBOX_ROOT,
    runtime: { restart: 'on-failure' },
    args: ['/bin/sh', '-c', 'echo clean-ran'],
  });
  // Shares the machine's pid namespace to ask init for a clean poweroff (SIGUSR2 to pid 1),
  // once the other services have shown what they should; prints what it found first.
  writeBundle(root, 'services', 'zz-poweroff', {
    rootFrom: BUSYBOX_ROOT,
    namespaces: ['mount', 'ipc', 'uts'],
    binds: [
      ['/var/log', '/hostlog', 'ro'],
      ['/run', '/hostrun', 'ro'],
      ['/dev/console', '/hostconsole', 'rw'],
      ['/sys/fs/cgroup', '/hostcg', 'ro'],
    ],
    args: [
      '/bin/sh',
      '-c',
      [
        'exec >/hostconsole 2>&1',
        'i=0',
        'until grep -q service-marker-started /hostlog/marker.out.log 2>/dev/null && [ "$(grep -c flaky-ran /hostlog/flaky.out.log 2>/dev/null)" = 2 ] && [ "$(grep -c once-ran /hostlog/once.out.log 2>/dev/null)" = 2 ] || [ $i -ge 150 ]; do sleep 0.2; i=$((i+1)); done',
        'echo "check: marker log: $(cat /hostlog/marker.out.log)"',
        'echo "check: flaky runs: $(grep -c flaky-ran /hostlog/flaky.out.log)"',
        'echo "check: once runs: $(grep -c once-ran /hostlog/once.out.log)"',
        'echo "check: clean runs: $(grep -c clean-ran /hostlog/clean.out.log)"',
        '[ -d /hostrun/made-by-runtime-json ] && echo "check: runtime.json mkdir ok"',
        'grep -q " /run/netns/002-ns " /proc/1/mountinfo && echo "check: bindNS ok"',
        '[ -d /hostcg/podruntime/marker ] && echo "check: runtime.json cgroup ok"',
        'ip -o link | grep -q "eth-host@" && echo "check: veth peer ok"',
        'grep " /containers/volumes/rw/merged " /proc/1/mountinfo | grep -q overlay && echo "check: rw volume ok"',
        // "ro" alone or "ro,relatime": binds of the initramfs (the root) carry no relatime.
        'grep -Eq " /containers/volumes/ro/merged ro[, ]" /proc/1/mountinfo && echo "check: ro volume ok"',
        // rc.init binds the runtime from a read-only ramfs, so crun runs without copying itself.
        'grep " /usr/bin/crun " /proc/1/mountinfo | grep -Eq " ro[, ].* - ramfs " && echo "check: runtime on read-only ramfs"',
        // Modules load in the background, or on demand when a container needs one first.
        'j=0; until grep -q "^overlay " /proc/modules && grep -q "^veth " /proc/modules || [ $j -ge 100 ]; do sleep 0.2; j=$((j+1)); done',
        'grep -q "^overlay " /proc/modules && grep -q "^veth " /proc/modules && echo "check: modules loaded"',
        'echo "check: onboot logs: $(readlink /hostlog/onboot): $(ls /hostrun/log/onboot/ | tr "\\n" " ")"',
        'echo "check: memory used: $(free -k | awk \'/Mem:/ {print int($3 / 1024)}\') MB"',
        'sleep 0.5',
        'poweroff',
      ].join('\n'),
    ],
  });
  // Volumes: a writable one (overlay on a tmpfs) and a read-only one (bind).
  for (const d of ['rw/lower', 'rw/merged', 'rw/tmp', 'ro/lower', 'ro/merged']) mkdirSync(join(root, 'containers/volumes', d), { recursive: true });
  writeFileSync(join(root, 'containers/volumes/rw/lower/file'), 'x');
  writeBundle(root, 'onshutdown', '001-bye', { rootFrom: BUSYBOX_ROOT, args: ['/bin/sh', '-c', 'echo goodbye-onshutdown'] });
  return makeKernelImage(root, `${TEST_CMDLINE} quiet`);
}

describe('the init, booted (crun, busybox, Debian cloud kernel)', { timeout: 300_000 }, () => {
  let console = '';
  let status: number;

  before(async () => {
    const prefix = makeImage();
    const vm = await boot(prefix, { state: tempDir('init-state'), consoleLog: join(tempDir('init-log'), 'console.log') });
    try {
      await vm.waitFor(/linuxkit-ts: [\d.]+ shutdown done/, 240_000);
      status = await vm.wait();
    } finally {
      vm.kill();
      console = vm.text();
      process.stderr.write(`--- console of the init boot ---\n${console}\n--- end ---\n`);
    }
  });

  it('goes through every stage in order, with the time since boot', () => {
    const order = [
      'init start',
      'init root ready',
      'rc.init start',
      'rc.init mounts done',
      'rc.init hotplug done',
      'onboot 001-hello start',
      'onboot 001-hello done status=0',
      'onboot 002-ns done status=0',
      'init.d 010-onboot done',
      'service marker started',
      'services started',
      'rc.init done',
      'shutdown start',
      'onshutdown 001-bye done status=0',
      'shutdown done',
    ];
    const seen = parseStages(console);
    let last = -1;
    let lastT = 0;
    for (const what of order) {
      const i = seen.findIndex((s) => s.what === what);
      assert.ok(i >= 0, `stage "${what}" missing`);
      assert.ok(i > last, `stage "${what}" out of order`);
      assert.ok(seen[i]!.t >= lastT, `time goes back at "${what}"`);
      last = i;
      lastT = seen[i]!.t;
    }
  });

  it('runs onboot containers to completion, with their output on the console', () => {
    assert.match(console, /^hello-onboot\r?$/m);
    assert.match(console, /^overlay-write=upper\r?$/m, 'the writable root is an overlay');
    assert.match(console, /^ns-onboot\r?$/m, 'create/prepare/start path');
  });

  it('applies runtime.json (mkdir, bindNS) and logs as LinuxKit does', () => {
    assert.match(console, /check: runtime.json mkdir ok/);
    assert.match(console, /check: bindNS ok/);
    assert.match(console, /check: runtime.json cgroup ok/);
    assert.match(console, /^ns-onboot has eth-ns\r?$/m, 'interfaces: the veth end moved into the container');
    assert.match(console, /check: veth peer ok/);
    assert.match(console, /check: onboot logs: \/run\/log\/onboot: .*onboot\.001-hello\.out\.log/);
  });

  it("runs the OCI runtime from a read-only ramfs, and loads the image's modules", () => {
    assert.match(console, /check: runtime on read-only ramfs/);
    assert.match(console, /check: modules loaded/);
  });

  it('mounts volumes: writable as an overlay, read-only as a bind', () => {
    assert.match(console, /check: rw volume ok/);
    assert.match(console, /check: ro volume ok/);
    assert.match(console, /linuxkit-ts: [\d.]+ volume rw mounted/);
  });

  it('starts services in the background with logs in /var/log/NAME.out.log', () => {
    assert.match(console, /check: marker log: service-marker-started/);
  });

  it('restarts a service with restart: on-failure, with back-off and a retry limit', () => {
    assert.match(console, /service flaky exited status=3; restart 1 in 1s/);
    assert.match(console, /service flaky exited status=3; gave up after 1 restarts/);
    assert.match(console, /check: flaky runs: 2/);
  });

  it('restarts a service that exits 0 with restart: always, not with on-failure', () => {
    assert.match(console, /service once exited status=0; restart 1 in 1s/);
    assert.match(console, /service once exited status=0; gave up after 1 restarts/);
    assert.match(console, /check: once runs: 2/);
    assert.match(console, /linuxkit-ts: [\d.]+ service clean exited status=0\r?$/m);
    assert.match(console, /check: clean runs: 1/);
  });

  it('runs onshutdown containers at poweroff and powers off cleanly', () => {
    assert.match(console, /^goodbye-onshutdown\r?$/m);
    assert.equal(status, 0);
  });

  it('prints the boot timeline', () => {
    const seen = parseStages(console);
    const at = (w: string) => seen.find((s) => s.what === w)?.t;
    const lines = [
      'init start',
      'rc.init mounts done',
      'rc.init hotplug done',
      'onboot 001-hello done status=0',
      'onboot 002-ns done status=0',
      'services started',
    ].map((w) => `  ${String(at(w)).padStart(6)} s  ${w}`);
    const mem = /check: memory used: (\d+) MB/.exec(console)?.[1];
    process.stderr.write(`boot timeline (guest uptime):\n${lines.join('\n')}\nmemory used with services running: ${mem} MB\n`);
    assert.ok(Number(mem) > 0 && Number(mem) < 200, `memory used: ${mem} MB`);
    assert.ok(at('services started')! > at('init start')!);
  });
});
