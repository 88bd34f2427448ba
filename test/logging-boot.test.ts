// examples/logging.yml as committed (memlogd under init:, a service writing a line a second,
// logwrite, kmsg), built by the CLI from the project's packages in a fresh cache, plus a
// fragment that sets the ring to 256 KiB (memlogd.size= on the kernel command line) and adds
// a service that floods the log once asked. One qemu boot (TCG); from getty's root shell on
// the serial console, as LinuxKit's example says: `/proc/1/root/usr/bin/logread` shows the
// service's line and the kernel's first line, which came through kmsg, logwrite's files hold
// them, and after 4000 lines of 200 bytes (800 KB) the ring still holds 256 KiB, the newest
// lines only, and memlogd's memory has not grown by what was written.
// test/logging-scripts.test.ts covers the scripts' other cases on the host.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VmHandle } from '../src/run/vm.js';
import { boot, check, tempDir } from './fixtures/boot.js';
import { buildProjectPackages } from './fixtures/packages.js';
import { ROOT, runCli } from './helpers.js';

const PACKAGES = ['kernel', 'init', 'crun', 'memlogd', 'sysctl', 'dhcpcd', 'getty', 'busybox', 'logwrite', 'kmsg'];
const RING_KIB = 256;
const FLOOD_LINES = 4000;
const LOGREAD = '/proc/1/root/usr/bin/logread';
/** The log's time stamps, as LinuxKit's RFC 3339 (to the second here). */
const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

/** The test's additions to the example: the ring's size, and the flood (waits for /tmp/flood). */
const fragment = (busybox: string) => `kernel:
  cmdline: "console=ttyS0 memlogd.size=${RING_KIB}"
services:
  - name: flood
    image: ${busybox}
    binds: [/tmp:/tmp]
    command:
      - /bin/sh
      - -c
      - |
        until [ -e /tmp/flood ]; do sleep 0.5; done
        pad=$(printf '%0180d' 0)
        i=0
        while [ $i -lt ${FLOOD_LINES} ]; do echo "flood line $i $pad"; i=$((i+1)); done
        touch /tmp/flood-done
        exec sleep 100000
`;

const tmp = tempDir('logging-boot');
const cache = join(tmp, 'cache');

describe('examples/logging.yml, booted: logread, kmsg, logwrite, a bounded ring', { timeout: 900_000 }, () => {
  let vm: VmHandle | undefined;
  let done = false;
  const seen: Record<string, string> = {};

  before(async () => {
    const built = await buildProjectPackages(cache, PACKAGES);
    const frag = join(tmp, 'flood.yml');
    writeFileSync(frag, fragment(built.refs.get('busybox')!));
    const b = runCli(['--cache', cache, 'build', '--name', 'logging', '--dir', join(tmp, 'out'), join(ROOT, 'examples/logging.yml'), frag]);
    assert.equal(b.status, 0, b.stderr);
    vm = await boot(join(tmp, 'out', 'logging'), { state: join(tmp, 'state') });
    await vm.waitFor(/^linuxkit-ts: [\d.]+ services started/, 400_000);
    await vm.waitFor(/:\S*# /, 60_000);
    vm.send('stty cols 400\r');
    /** CMD at the shell until it succeeds, once a second, up to `times` times. */
    const retry = (cmd: string, times = 30) => `$(for i in $(seq ${times}); do ${cmd} && break; sleep 1; done)`;
    seen.service = await check(vm, 'service', retry(`${LOGREAD} | grep -m1 ';write-to-the-logs.out;hello'`));
    seen.kmsg = await check(vm, 'kmsg', retry(`${LOGREAD} | grep -m1 ';kmsg;(0) - .*: Linux version'`));
    seen.fileService = await check(vm, 'file-service', retry('tail -n 1 /var/log/write-to-the-logs.out.log | grep hello'));
    seen.fileKernel = await check(vm, 'file-kernel', retry("grep -m1 ': Linux version' /var/log/kmsg.log"));
    const rss = "$(awk '/^VmRSS/ {print $2}' /proc/$(cat /run/memlogd.pid)/status)";
    seen.rssBefore = await check(vm, 'rss-before', rss);
    vm.send('touch /tmp/flood\r');
    seen.flood = await check(vm, 'flood', retry(`[ -e /tmp/flood-done ] && ${LOGREAD} | grep -q 'flood line ${FLOOD_LINES - 1} ' && echo done`, 150), 200_000);
    seen.ring = await check(vm, 'ring', `$(${LOGREAD} | wc -l) $(${LOGREAD} | wc -c)`);
    seen.floodRange = await check(vm, 'range', `$(${LOGREAD} | sed -n 's/.*;flood.out;flood line \\([0-9]*\\) .*/\\1/p' | sed -n '1p;$p' | tr '\\n' ' ')`);
    seen.shm = await check(vm, 'shm', "$(awk '$1 == 1095648583 {print $4}' /proc/sysvipc/shm)");
    seen.rss = await check(vm, 'rss', rss);
  });

  after(() => {
    if (!vm) return;
    vm.kill('SIGKILL');
    writeFileSync(join(tmp, 'console.log'), vm.text());
    if (!done) process.stderr.write(`--- logging console ---\n${vm.text()}\n--- end ---\n`);
  });

  it("logread shows the service's line, tagged with its name, in LinuxKit's format", () => {
    assert.match(seen.service!, new RegExp(`^${TIME};write-to-the-logs\\.out;hello \\w+ \\w+ +\\d+ `));
  });

  it("the kernel's first line came through kmsg into the log", () => {
    assert.match(seen.kmsg!, new RegExp(`^${TIME};kmsg;\\(0\\) - ${TIME.slice(0, -1)}\\.\\d{6}Z: Linux version `));
  });

  it('onboot output is on the console, tagged, as it comes', () => {
    assert.match(vm!.text(), /^onboot\.\d{3}-(sysctl|dhcpcd)(\.out)?: /m);
  });

  it("logwrite's files hold the service's line and the kernel's first", () => {
    assert.match(seen.fileService!, new RegExp(`^${TIME} write-to-the-logs\\.out hello `));
    assert.match(seen.fileKernel!, new RegExp(`^${TIME} kmsg \\(0\\) - .*: Linux version `));
  });

  it(`the ring is bounded: ${FLOOD_LINES} lines of 200 bytes into ${RING_KIB} KiB keep the newest, and memlogd stays small`, (t) => {
    t.diagnostic(
      `ring: ${seen.ring} (lines, bytes as logread prints them); flood lines kept: ${seen.floodRange}; memlogd VmRSS ${seen.rssBefore} kB before, ${seen.rss} kB after`,
    );
    assert.equal(seen.flood, 'done', 'the flood ended and its last line is in the ring');
    assert.equal(seen.shm, String(RING_KIB * 1024), 'the shared memory segment has the size asked');
    const [lines, bytes] = seen.ring!.split(' ').map(Number);
    assert.ok(bytes! < RING_KIB * 1024 * 1.1, `logread printed ${bytes} bytes`);
    assert.ok(lines! < FLOOD_LINES / 2, `${lines} lines in the ring`);
    const [first, last] = seen.floodRange!.split(' ').map(Number);
    assert.equal(last, FLOOD_LINES - 1);
    assert.ok(first! > FLOOD_LINES / 2, `the oldest flood line kept is ${first}: the older ones were overwritten`);
    // At most the ring's pages not yet touched before the flood, far from the 800 KB written.
    const growth = Number(seen.rss) - Number(seen.rssBefore);
    assert.ok(growth <= RING_KIB + 64, `memlogd's resident memory grew by ${growth} kB`);
    done = true;
  });
});
