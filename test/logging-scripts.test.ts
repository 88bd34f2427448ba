// LinuxKit's logging as this project does it (pkg/memlogd, pkg/logwrite, pkg/kmsg and the
// init's logs.sh), run on the host by busybox as inside the machine: one session in new mount,
// IPC and pid namespaces (so the ring and /dev/log are its own), chrooted into busybox +
// pkg/init/rootfs + pkg/memlogd, with an OCI runtime that stands in for crun (prints a line on
// stdout and one on stderr; a detached "service" goes on writing after the runtime returns).
// The session: memlogd starts with a 16 KiB ring, logwrite follows it, the onboot containers
// and the services run, a flood of 3000 lines goes in, memlogd is killed and onboot runs again.
// test/logging-boot.test.ts boots the packages themselves.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tempDir } from './fixtures/boot.js';
import { installInit } from './fixtures/init-image.js';
import { ROOT } from './helpers.js';

const FAKE_RUNTIME = `#!/bin/sh
for a; do n=$a; done
[ "$1" = run ] || exit 0
case " $* " in
*" --detach "*)
	(echo "$n started"; sleep 0.5; echo "$n still writing"; echo "$n complains" >&2) &
	exit 0 ;;
esac
echo "hello from $n"
echo "oops from $n" >&2
`;

/** Three kernel records, the second with a detail line, then the first again (as after EPIPE). */
const FAKE_KMSG = '6,1,5000000,-;first kernel line\n4,2,5250000,-;second; with a semicolon\n SUBSYSTEM=pci\n6,1,5000000,-;first kernel line\n';

/** The init's service, as rc.init runs it (NAME is its /etc/init.d link), with mount a no-op;
 * on the console, after a line naming the step. */
const service = (name: string, step: string) =>
  `echo "=== ${step}" >"$R/dev/console"; chroot "$R" /bin/sh -c 'mount() { :; }; umount() { :; }; . /usr/bin/service' ${name} >"$R/dev/console" 2>&1`;

// Run by the host's sh in the new namespaces; every output goes to a file under $R/out.
const SESSION = `
R=$1
mount -t proc proc "$R/proc"
mount --bind /dev/null "$R/dev/null"
mkdir -p "$R/out"
# The console: a FIFO that its reader also holds open for writing, so it never ends nor blocks.
cat <>"$R/dev/console" >"$R/out/console" &
chroot "$R" /usr/bin/memlogd -daemonize -size 16 || exit 10
chroot "$R" /usr/bin/logwrite -log-dir /var/log -max-log-files 2 -max-log-size 4096 2>"$R/out/logwrite.err" &
chroot "$R" /usr/bin/kmsg 2>"$R/out/kmsg" &
${service('010-onboot', 'onboot')}
${service('020-services', 'services')}
sleep 1
ls -A "$R/var/log" >"$R/out/var-log"
ls -A "$R/run/log/onboot" >"$R/out/run-log-onboot"
chroot "$R" /usr/bin/logread >"$R/out/logread"
unshare -i chroot "$R" /usr/bin/logread >"$R/out/logread-other-ipc" 2>&1
chroot "$R" /usr/bin/logread -x 2>"$R/out/badflag"; echo $? >>"$R/out/badflag"
chroot "$R" /bin/sh -c 'i=0; while [ $i -lt 3000 ]; do echo "flood line $i, some forty bytes of text"; i=$((i+1)); done | logger -t flood'
chroot "$R" /usr/bin/logread >"$R/out/logread-flood"
awk '$1 == 1095648583' "$R/proc/sysvipc/shm" >"$R/out/shm"
# logread -f looks at the ring once a second: a reader lapped by a flood loses lines, as a
# LinuxKit reader whose buffer is full does. 150 lines (10 KB) fit the ring: logwrite gets all.
chroot "$R" /bin/sh -c 'i=0; while [ $i -lt 150 ]; do echo "batch line $i, some forty bytes of text"; i=$((i+1)); done | logger -t batch'
i=0; while [ $i -lt 100 ] && ! grep -q 'batch line 149' "$R/var/log/batch.log" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
kill -KILL "$(cat "$R/run/memlogd.pid")"
${service('010-onboot', 'onboot without memlogd')}
echo $? >"$R/out/onboot-no-memlogd.status"
sleep 1
`;

interface Session {
  root: string;
  out: (name: string) => string;
  /** What the console showed during a step (see \`service\`). */
  console: (step: string) => string;
}

/** The machine's tree and the session's outputs. */
function runSession(): Session {
  const root = tempDir('logging');
  installInit(root);
  cpSync(join(ROOT, 'pkg/memlogd/etc'), join(root, 'etc'), { recursive: true });
  cpSync(join(ROOT, 'pkg/memlogd/usr'), join(root, 'usr'), { recursive: true });
  cpSync(join(ROOT, 'pkg/logwrite/usr'), join(root, 'usr'), { recursive: true });
  cpSync(join(ROOT, 'pkg/kmsg/usr'), join(root, 'usr'), { recursive: true });
  for (const d of ['proc', 'dev', 'run', 'tmp', 'var/log']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'dev/null'), '');
  writeFileSync(join(root, 'dev/kmsg'), FAKE_KMSG);
  execFileSync('mkfifo', [join(root, 'dev/console')]);
  symlinkSync('/proc/self/fd/0', join(root, 'dev/stdin'));
  writeFileSync(join(root, 'usr/bin/runc'), FAKE_RUNTIME, { mode: 0o755 });
  for (const b of ['containers/onboot/001-hello', 'containers/services/svc']) {
    mkdirSync(join(root, b, 'rootfs'), { recursive: true });
    writeFileSync(join(root, b, 'config.json'), '{"ociVersion": "1.0.2"}\n');
  }
  const r = spawnSync('unshare', ['-m', '-i', '-p', '--fork', 'sh', '-c', SESSION, 'session', root], {
    encoding: 'utf8',
    timeout: 90_000,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  assert.equal(r.error, undefined, `session: ${r.error}`);
  assert.equal(r.status, 0, `session: ${r.stdout}${r.stderr}`);
  const out = (name: string) => readFileSync(join(root, 'out', name), 'utf8');
  const console = (step: string) => out('console').split(`=== ${step}\n`)[1]?.split('\n=== ')[0] ?? '';
  return { root, out, console };
}

const canRun = process.getuid?.() === 0;

describe('memlogd, logread, logwrite, kmsg and the init, on the host', { skip: !canRun && 'needs root (chroot, namespaces)', timeout: 120_000 }, () => {
  let s: Session;
  before(() => {
    s = runSession();
  });

  it("the onboot container's and the service's lines are in the ring, tagged as LinuxKit tags them", () => {
    const log = s.out('logread');
    const T = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';
    assert.match(log, new RegExp(`^${T};memlogd;syslogd started`, 'm'));
    assert.match(log, new RegExp(`^${T};onboot\\.001-hello\\.out;hello from 001-hello$`, 'm'));
    assert.match(log, new RegExp(`^${T};onboot\\.001-hello;oops from 001-hello$`, 'm'));
    assert.match(log, new RegExp(`^${T};svc\\.out;svc started$`, 'm'));
    // Written after the runtime returned: the reader outlives the init's hold on the FIFO.
    assert.match(log, new RegExp(`^${T};svc\\.out;svc still writing$`, 'm'));
    assert.match(log, new RegExp(`^${T};svc;svc complains$`, 'm'));
  });

  it('onboot output is shown on the console as it comes, and no log file is written', () => {
    const console = s.console('onboot');
    assert.match(console, /^onboot\.001-hello\.out: hello from 001-hello$/m);
    assert.match(console, /^onboot\.001-hello: oops from 001-hello$/m);
    assert.match(console, /^linuxkit-ts: [\d.]+ onboot 001-hello done status=0$/m);
    assert.doesNotMatch(s.console('services'), /^svc started$/m, "a service's output is not on the console");
    assert.equal(s.out('run-log-onboot'), '', 'no file in /run/log/onboot');
    assert.doesNotMatch(s.out('var-log'), /^onboot$/m, 'no /var/log/onboot link (LinuxKit makes none with memlogd)');
    // /var/log/svc.out.log is logwrite's (LinuxKit names both the same): each line has its time.
    for (const l of readFileSync(join(s.root, 'var/log/svc.out.log'), 'utf8').split('\n').filter(Boolean)) assert.match(l, /^\d{4}-\d\d-\d\dT/, l);
  });

  it('logread works from another IPC namespace (the getty: /proc/1/root/usr/bin/logread), and refuses unknown flags', () => {
    assert.match(s.out('logread-other-ipc'), /;onboot\.001-hello\.out;hello from 001-hello$/m);
    assert.match(s.out('badflag'), /usage: logread \[-f \| -F\] \[-socket PATH\]\n2\n/);
  });

  it('the ring is bounded: 3000 lines (120 KB) into 16 KiB keep the newest only, and the ring stays 16 KiB', () => {
    const flood = s
      .out('logread-flood')
      .split('\n')
      .filter((l) => l.includes(';flood;'));
    assert.ok(flood.length > 100 && flood.length < 500, `${flood.length} flood lines in the ring`);
    assert.match(flood.at(-1)!, /;flood;flood line 2999, /);
    assert.ok(!flood.some((l) => /flood line 0,/.test(l)), 'the oldest line was overwritten');
    const bytes = s.out('logread-flood').length;
    assert.ok(bytes < 20_000, `logread prints ${bytes} bytes`);
    assert.match(s.out('shm'), /^\s*1095648583\s+\d+\s+\d+\s+16384\s/, 'the shared memory segment is 16 KiB');
  });

  it('logwrite writes each source to its file in LinuxKit line format, rotating at the size asked', () => {
    const hello = readFileSync(join(s.root, 'var/log/onboot.001-hello.out.log'), 'utf8');
    assert.match(hello, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ onboot\.001-hello\.out hello from 001-hello$/m);
    assert.match(readFileSync(join(s.root, 'var/log/svc.log'), 'utf8'), / svc svc complains$/m);
    const files = readdirSync(join(s.root, 'var/log'))
      .filter((f) => f.startsWith('batch.log'))
      .sort();
    assert.deepEqual(files, ['batch.log', 'batch.log.0', 'batch.log.1'], 'two rotated files kept (-max-log-files 2)');
    for (const f of files) assert.ok(readFileSync(join(s.root, 'var/log', f)).length <= 4096 + 100, `${f} near -max-log-size`);
    assert.match(readFileSync(join(s.root, 'var/log/batch.log'), 'utf8'), /Z batch batch line 149, [^\n]*\n$/);
    assert.match(readFileSync(join(s.root, 'var/log/flood.log'), 'utf8'), /flood flood line 2999, /);
    assert.ok(!readdirSync(join(s.root, 'var/log')).some((f) => f.startsWith('logwrite')), "logwrite's own output is not written");
  });

  it('kmsg prints each kernel record once, details left out', () => {
    const lines = s.out('kmsg').split('\n').filter(Boolean);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^\(1\) - \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z: first kernel line$/);
    assert.match(lines[1]!, /^\(2\) - .*Z: second; with a semicolon$/);
  });

  it('with memlogd dead, onboot output goes to the files and the console again, and the init does not wait', () => {
    assert.equal(s.out('onboot-no-memlogd.status').trim(), '0');
    assert.match(readFileSync(join(s.root, 'run/log/onboot/onboot.001-hello.out.log'), 'utf8'), /^hello from 001-hello$/m);
    assert.match(s.console('onboot without memlogd'), /^hello from 001-hello\noops from 001-hello$/m);
    assert.equal(readlinkSync(join(s.root, 'var/log/onboot')), '/run/log/onboot', '/var/log/onboot links to the files');
  });
});
